/**
 * Chinese text of personal digests (issue 14): follows, mutes, the minimum score, votes and
 * saved papers, the learned ranking, and members' own subscriptions in a group.
 */

export const BUTTON_LABELS = {
  up: "👍",
  down: "👎",
  star: "⭐",
  starFull: "⭐ 收藏",
  deep: "深读",
} as const;

/** Lines a digest adds for a chat's personal settings. */
export const PERSONAL_DIGEST = {
  pinnedHeading: (n: number) => `【👤 关注的作者】${n} 篇`,
  moreFollowed: (n: number) => `另有 ${n} 篇来自你关注的作者，发送 /digest 或 /search 查看。`,
  belowMinScore: (n: number, min: number) => `另有 ${n} 篇低于 ${min} 分（/setminscore 调整）。`,
  whyMatched: (labels: string[]) => `📌 命中：${labels.join("、")}`,
  whyAuthor: (name: string) => `👤 关注的作者：${name}`,
  whyNear: (title: string) => `✨ 与你收藏的《${title}》相近`,
  memberLine: (papers: number, labels: string[], numbers: string) =>
    `：${papers} 篇（${labels.join("、")}）${numbers}`,
  memberAlerts: (items: string[]) => `，收藏更新：${items.join("、")}`,
  alertVersion: (id: string, version: number) => `${id} 有新版本 v${version}`,
  alertCode: (id: string) => `${id} 公开了代码`,
  alertsTitle: "🔔 你收藏的论文有更新",
} as const;

/** Help of the personal-digest commands (joined to COMMAND_HELP in ./commands.ts). */
export const RANKING_HELP = {
  follow: {
    description: "关注作者：其论文置顶推送（me：只为自己）",
    usage: "/follow <作者>",
    example: "/follow Yuhong Li",
    argument: "作者名，如 Yuhong Li；可加 | cs.CV 或 | 合作者",
  },
  unfollow: {
    description: "取消关注作者",
    usage: "/unfollow <作者>",
    example: "/unfollow Yuhong Li",
    argument: "已关注的作者",
  },
  mute: {
    description: "屏蔽词：标题、摘要或卡片含此词的论文不再推送",
    usage: "/mute <词>",
    example: "/mute benchmark",
    argument: "要屏蔽的词或短语",
  },
  unmute: {
    description: "取消屏蔽词（不带参数：查看屏蔽词）",
    usage: "/unmute <词>",
    example: "/unmute benchmark",
    argument: "要取消的屏蔽词",
  },
  setminscore: {
    description: "只推送推荐指数不低于 N 的论文（1–5，off 取消）",
    usage: "/setminscore <1–5|off>",
    example: "/setminscore 4",
    argument: "1 到 5，或 off",
  },
  saved: {
    description: "我收藏（⭐）的论文",
    usage: "/saved [页码]",
    example: "/saved 2",
    argument: "页码，默认 1",
  },
  export: {
    description: "把收藏导出为 BibTeX 或 CSV 文件",
    usage: "/export bibtex|csv",
    example: "/export bibtex",
    argument: "bibtex 或 csv",
  },
  similar: {
    description: "找与某篇论文最相近的论文",
    usage: "/similar <arXiv id>",
    example: "/similar 2404.14469",
    argument: "arXiv id 或链接",
  },
  top: { description: "本聊天近 7 天最受欢迎的论文", usage: "/top" },
  forget: { description: "删除我的全部投票和收藏", usage: "/forget" },
  mention: {
    description: "群速递末尾提到我时是否 @ 我（off / on）",
    usage: "/mention off|on",
    example: "/mention off",
    argument: "off 或 on",
  },
} as const;

export const R = {
  // --- /follow ---
  followUsage:
    "用法：/follow <作者>，例如 /follow Yuhong Li、/follow Li Yuhong（姓在前也可以）。\n常见姓氏只写首字母时请加一条线索：/follow Y. Li | cs.CV 或 /follow Y. Li | Kaiming He",
  followBadName: "作者名只能包含字母、空格、连字符和点，最多 64 个字符。",
  followed: (name: string) =>
    `✅ 已关注作者「${name}」：其新论文会置顶推送（标 👤），不受屏蔽词和最低分限制。`,
  followedMember: (name: string) =>
    `✅ 已为你关注作者「${name}」：匹配的论文会出现在群速递里，末尾那一行会提到你。`,
  followNeedsCue: (name: string) =>
    `⚠️ 「${name}」是常见姓氏加首字母，会匹配到很多人：在你补充一条线索之前不会置顶任何论文。请写全名，或加分类、合作者，例如 /follow ${name} | cs.CV`,
  followScope: (categories: string) =>
    `只能看到本机器人抓取的 arXiv 分类（${categories}）里的论文。`,
  alreadyFollowed: (name: string) => `已经关注了「${name}」。`,
  unfollowUsage: "用法：/unfollow <作者>，发送 /list 查看已关注的作者。",
  unfollowed: (name: string) => `✅ 已取消关注「${name}」。`,
  notFollowed: (name: string) => `没有关注「${name}」。发送 /list 查看已关注的作者。`,

  // --- /mute ---
  muteUsage:
    "用法：/mute <词>，例如 /mute benchmark 或 /mute 综述。标题、摘要或中文卡片里出现就不再推送。",
  muted: (phrase: string) => `🔇 已屏蔽「${phrase}」：含这个词的论文不再推送（关注的作者除外）。`,
  alreadyMuted: (phrase: string) => `「${phrase}」已经屏蔽了。`,
  mutesFull: (max: number) => `屏蔽词已达上限（${max} 个），请先用 /unmute 取消一些。`,
  unmuted: (phrase: string) => `🔈 已取消屏蔽「${phrase}」。`,
  notMuted: (phrase: string) => `没有屏蔽「${phrase}」。`,
  muteList: (phrases: string[]) =>
    phrases.length ? `当前屏蔽词：${phrases.join("、")}` : "当前没有屏蔽词。",

  // --- /setminscore ---
  minScoreUsage: "用法：/setminscore <1–5>，例如 /setminscore 4；/setminscore off 取消。",
  minScoreSet: (n: number) =>
    `✅ 只推送推荐指数 ≥ ${n} 的论文；速递末尾会注明跳过了几篇。尚未生成中文摘要的论文没有分数，不会被跳过。`,
  minScoreOff: "✅ 已取消最低推荐指数。",

  // --- members ---
  memberSubscribed: (label: string) =>
    `✅ 已为你订阅「${label}」：匹配的论文会出现在群速递里，末尾那一行会提到你（/mention off 可关闭提醒）。`,
  memberAlready: (label: string) => `你已经订阅过「${label}」了。`,
  memberFull: (max: number) => `你在本群的个人订阅已达上限（${max} 个）。`,
  memberUnsubscribed: (label: string) => `✅ 已取消你的个人订阅「${label}」。`,
  memberNotSubscribed: (label: string) => `你没有订阅「${label}」。发送 /list me 查看。`,
  memberListTitle: "📋 我在本群的个人订阅",
  memberListEmpty: "你在本群还没有个人订阅。试试：/subscribe me 文生视频",
  memberMention: (on: boolean) => `速递末尾提到你时：${on ? "会 @ 你" : "只写名字，不 @ 你"}。`,
  mentionUsage: "用法：/mention off（不再 @ 我）或 /mention on",
  mentionOnlyInGroups: "/mention 只在群里有用：群速递末尾提到你时是否 @ 你。",

  // --- votes ---
  voted: (emoji: string) => `已记录 ${emoji}`,
  unvoted: "已撤回",
  savedToast: "⭐ 已收藏，发送 /saved 查看",
  unsavedToast: "已取消收藏",
  pressUnknown: "这个按钮已失效。",
  deepUnavailable: "深读尚未开放，先看这张卡片：",

  // --- /saved, /export ---
  savedTitle: (n: number, page: number, pages: number) =>
    `⭐ 我的收藏（共 ${n} 篇，第 ${page}/${pages} 页）`,
  savedEmpty: "还没有收藏。在速递或 /paper 卡片下点 ⭐ 即可收藏。",
  savedFooter: "/saved 2 翻页 · /export bibtex 导出 · 收藏的论文有新版本或公开代码时会提醒你。",
  savedBadPage: (pages: number) => `页码超出范围：共 ${pages} 页。`,
  exportUsage: "用法：/export bibtex 或 /export csv",
  exportEmpty: "还没有收藏，没有可导出的内容。",
  exportDone: (n: number, format: string) => `📎 已导出 ${n} 篇收藏（${format}）。`,

  // --- /similar, /top, /forget ---
  similarUsage: "用法：/similar <arXiv id>，例如 /similar 2404.14469",
  similarUnknown: (id: string) => `还没有收录 ${id}，先发送 /paper ${id}。`,
  similarNone: (id: string) => `没有找到与 ${id} 相近的论文。`,
  similarTitle: (id: string) => `🧭 与 ${id} 最相近的论文`,
  topTitle: "🏆 近 7 天最受欢迎",
  topEmpty: "近 7 天还没有人点 👍 或 ⭐。",
  topLine: (likes: number) => `（${likes} 个赞/收藏）`,
  forgotten: (votes: number, saved: number) => `🧹 已删除你的 ${votes} 个投票和 ${saved} 篇收藏。`,
} as const;
