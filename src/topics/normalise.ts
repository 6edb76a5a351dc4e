/**
 * Normalising what a user types before it is compared with topic names and aliases: full-width
 * and half-width forms, case, whitespace, and traditional Chinese characters all compare equal,
 * so 「文生視頻」, 「ＴＥＸＴ－ＴＯ－ＶＩＤＥＯ」 and " text  to video " find the same topic.
 */

/**
 * Traditional → simplified, for every character of data/topics.json's names and aliases that
 * has a distinct traditional form. Deliberately small and explicit: a full converter would be a
 * dependency for a handful of words. test/topics-taxonomy.test.ts checks traditional spellings.
 */
const TRADITIONAL_PAIRS =
  "與与 專专 臨临 義义 樂乐 習习 價价 優优 偽伪 僞伪 體体 準准 擊击 別别 製制 動动 勵励 醫医 單单 " +
  "歷历 曆历 壓压 參参 發发 後后 圖图 場场 聲声 復复 複复 獎奖 學学 對对 強强 態态 擴扩 護护 報报 " +
  "數数 無无 機机 雜杂 構构 標标 檢检 氣气 潑泼 測测 濺溅 狀状 獄狱 現现 電电 畫画 療疗 碼码 礎础 " +
  "離离 種种 類类 係系 繫系 紅红 線线 練练 經经 繪绘 統统 維维 緩缓 編编 縮缩 薦荐 藥药 補补 見见 " +
  "視视 覺觉 計计 訓训 證证 評评 識识 譯译 試试 語语 調调 質质 資资 蹤踪 軟软 輻辐 輯辑 邏逻 遺遗 " +
  "遙遥 釋释 鏈链 長长 門门 問问 間间 隊队 隱隐 項项 預预 頻频 饋馈 餾馏 駛驶 駕驾 齊齐 範范 環环";

const TRADITIONAL = new Map<string, string>(
  TRADITIONAL_PAIRS.split(" ").map((pair) => [pair.charAt(0), pair.charAt(1)]),
);

/** The traditional → simplified pairs, for tests and for spelling a name in traditional form. */
export function traditionalPairs(): ReadonlyMap<string, string> {
  return TRADITIONAL;
}

const TRADITIONAL_CHARS = new RegExp(`[${[...TRADITIONAL.keys()].join("")}]`, "gu");

/**
 * Folds the traditional characters that occur in topic names to their simplified form, in one
 * replace: the result is a flat string (appending a character at a time left a chain of pieces
 * costing ~30 bytes a character until something flattened it, which indexes of thousands of
 * abstracts kept), and text without such characters comes back as it is.
 */
export function toSimplified(text: string): string {
  return text.replace(TRADITIONAL_CHARS, (ch) => TRADITIONAL.get(ch) ?? ch);
}

/**
 * NFKC (full-width → half-width, compatibility forms), lower case, traditional → simplified,
 * whitespace collapsed to one space and trimmed.
 */
export function normalise(text: string): string {
  return toSimplified(text.normalize("NFKC").toLowerCase()).replace(/\s+/gu, " ").trim();
}

/**
 * The key two spellings of one name share: normalised, then without spaces, hyphens, slashes,
 * dots and brackets, so "Text to Video", "text-to-video" and "智能体 (Agent)" compare equal to
 * "texttovideo" and "智能体agent".
 */
export function nameKey(text: string): string {
  return normalise(text).replace(/[\s\-_/.·・()[\]{}【】「」]+/gu, "");
}
