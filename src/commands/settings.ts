/**
 * /settime, /pause, /resume, /setformat and /setlimit: how and when a chat receives its digest.
 * Each checks its argument fully before writing, so a bad value changes nothing.
 */

import { canonicalTimeZone, parseDigestTime } from "../core/setting-rules.ts";
import { COMMAND_HELP, DENSITY_LABEL, T } from "../core/texts/commands.ts";
import { R } from "../core/texts/reports.ts";
import type { Density } from "../store/chats.ts";
import type { Command, CommandDeps } from "./context.ts";
import { echo } from "./input.ts";
import { reply } from "./reply.ts";
import { REPORT_FORMAT_WORDS } from "./reports.ts";
import { commandModule, TEXT_MAX } from "./spec.ts";
import { formatWallTime, nextDelivery } from "./time.ts";

/** /setlimit's range, declared on its argument (so platform forms show the same). */
export const MIN_DIGEST_LIMIT = 1;
export const MAX_DIGEST_LIMIT = 30;

/** Everything here changes how or when the chat receives: admins only in a group. */
const DELIVERY = { aliases: [], slow: false, affectsDelivery: true, expectsDelivery: false };

export const SETTINGS_COMMANDS = commandModule(
  {
    settime: {
      ...DELIVERY,
      expectsDelivery: true,
      argument: { name: "time", kind: "time", required: true, min: 1, max: TEXT_MAX },
      help: COMMAND_HELP.settime,
    },
    pause: { ...DELIVERY, help: COMMAND_HELP.pause },
    resume: { ...DELIVERY, expectsDelivery: true, help: COMMAND_HELP.resume },
    setformat: {
      ...DELIVERY,
      argument: {
        name: "format",
        kind: "choice",
        required: true,
        min: 1,
        max: 16,
        choices: ["full", "brief", "表格", "标题"],
      },
      help: COMMAND_HELP.setformat,
    },
    setlimit: {
      ...DELIVERY,
      argument: {
        name: "count",
        kind: "integer",
        required: true,
        min: MIN_DIGEST_LIMIT,
        max: MAX_DIGEST_LIMIT,
      },
      help: COMMAND_HELP.setlimit,
    },
  },
  ({ deps }) => settingsCommands(deps),
);

/** What /setformat accepts (a Map: user text must never reach Object.prototype). */
const DENSITY_WORDS = new Map<string, Density>([
  ["brief", "brief"],
  ["short", "brief"],
  ["简版", "brief"],
  ["简洁", "brief"],
  ["简略", "brief"],
  ["full", "full"],
  ["long", "full"],
  ["完整", "full"],
  ["详细", "full"],
]);

export function settingsCommands(
  deps: CommandDeps,
): Record<"settime" | "pause" | "resume" | "setformat" | "setlimit", Command> {
  const settime: Command = ({ chat, args, now }) => {
    if (!args) return [reply(T.settimeUsage)];
    const parts = args.split(/\s+/);
    if (parts.length > 2) return [reply(T.settimeUsage)];
    const [timeText = "", zoneText] = parts;
    const time = parseDigestTime(timeText);
    if (!time) return [reply(T.settimeInvalid(echo(timeText)))];
    let timezone = chat.timezone;
    if (zoneText !== undefined) {
      const zone = canonicalTimeZone(zoneText);
      if (!zone) return [reply(T.timezoneInvalid(echo(zoneText)))];
      timezone = zone;
    }
    deps.chats.update(chat.id, { digestTime: time, timezone });
    const next = formatWallTime(nextDelivery(now, time, timezone), timezone);
    return [reply(T.settimeDone(time, timezone, next))];
  };

  const pause: Command = ({ chat, args }) => {
    if (args) return [reply(T.noArgsExpected("pause"))];
    if (chat.paused) return [reply(T.alreadyPaused)];
    deps.chats.update(chat.id, { paused: true });
    return [reply(T.paused)];
  };

  const resume: Command = ({ chat, args }) => {
    if (args) return [reply(T.noArgsExpected("resume"))];
    if (!chat.paused) return [reply(T.alreadyResumed)];
    deps.chats.update(chat.id, { paused: false });
    return [reply(T.resumed(chat.digestTime, chat.timezone))];
  };

  const setformat: Command = ({ chat, args }) => {
    // 表格 / 标题: the layout of 周报 and 月报 (the daily digest keeps its density).
    const layout = REPORT_FORMAT_WORDS.get(args.toLowerCase());
    if (layout && deps.reportStore) {
      deps.reportStore.setFormat(chat.id, layout);
      return [reply(layout === "table" ? R.setformatTable : R.setformatHeadlines)];
    }
    const density = DENSITY_WORDS.get(args.toLowerCase());
    if (!density) return [reply(T.setformatUsage)];
    if (density === chat.density) return [reply(T.setformatSame(DENSITY_LABEL[density]))];
    deps.chats.update(chat.id, { density });
    return [reply(T.setformatDone(DENSITY_LABEL[density]))];
  };

  const setlimit: Command = ({ chat, args }) => {
    const n = /^\d{1,2}$/.test(args) ? Number(args) : Number.NaN;
    if (!(n >= MIN_DIGEST_LIMIT && n <= MAX_DIGEST_LIMIT)) {
      return [reply(T.setlimitUsage(MIN_DIGEST_LIMIT, MAX_DIGEST_LIMIT))];
    }
    deps.chats.update(chat.id, { digestLimit: n });
    return [reply(T.setlimitDone(n))];
  };

  return { settime, pause, resume, setformat, setlimit };
}
