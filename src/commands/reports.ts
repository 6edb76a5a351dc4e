/**
 * /setfreq and /report: which roll-ups (日报, 周报, 月报) a chat receives, and a 周报 or 月报
 * on demand. /setformat's 表格 and /list's frequency lines live here too, next to them.
 */

import { type Line, span } from "../core/message.ts";
import { COMMAND_HELP } from "../core/texts/commands.ts";
import { FREQUENCY_NAME, R, REPORT_NAME } from "../core/texts/reports.ts";
import {
  InvalidPeriodError,
  latestDuePeriod,
  nextDeliveryAt,
  type Period,
  type PeriodKind,
  parsePeriod,
} from "../reports/period.ts";
import type { ReportService } from "../reports/service.ts";
import type { Chat } from "../store/chats.ts";
import type { Frequency, ReportFormat, ReportStore } from "../store/reports.ts";
import type { Command } from "./context.ts";
import { echo } from "./input.ts";
import { reply } from "./reply.ts";
import { commandModule, QUICK } from "./spec.ts";
import { formatWallTime } from "./time.ts";

export interface ReportCommandDeps {
  reports: ReportService;
  reportStore: ReportStore;
}

/** What /setfreq accepts for each frequency (a Map: user text never reaches a prototype). */
const FREQUENCY_WORDS = new Map<string, Frequency>([
  ["日报", "daily"],
  ["每日", "daily"],
  ["daily", "daily"],
  ["周报", "weekly"],
  ["每周", "weekly"],
  ["weekly", "weekly"],
  ["月报", "monthly"],
  ["每月", "monthly"],
  ["monthly", "monthly"],
]);

const KIND_WORDS = new Map<string, PeriodKind>([
  ["周报", "week"],
  ["weekly", "week"],
  ["week", "week"],
  ["月报", "month"],
  ["monthly", "month"],
  ["month", "month"],
]);

/** What /setformat accepts for the roll-up layout. */
export const REPORT_FORMAT_WORDS = new Map<string, ReportFormat>([
  ["表格", "table"],
  ["table", "table"],
  ["tldr", "table"],
  ["标题", "headlines"],
  ["headlines", "headlines"],
]);

const kindOf = (f: Frequency): PeriodKind | null =>
  f === "weekly" ? "week" : f === "monthly" ? "month" : null;

/** "下次周报：…" lines for the chat's roll-ups. */
function nextLines(chat: Chat, frequency: readonly Frequency[], now: Date): string[] {
  return frequency.flatMap((f) => {
    const kind = kindOf(f);
    if (!kind) return [];
    const at = nextDeliveryAt(kind, now.getTime(), chat);
    return [R.nextOf(REPORT_NAME[kind], formatWallTime(new Date(at), chat.timezone))];
  });
}

/** Lines /list adds: the frequency, the roll-up layout and the next 周报/月报. */
export function reportListLines(deps: ReportCommandDeps, chat: Chat, now: Date): Line[] {
  const s = deps.reportStore.settings(chat.id);
  return [
    [span(R.frequencyLine(s.frequency.map((f) => FREQUENCY_NAME[f])))],
    ...(s.frequency.some((f) => f !== "daily")
      ? [
          [span(R.reportFormatLine(s.format === "table"))],
          ...nextLines(chat, s.frequency, now).map((t) => [span(t)]),
        ]
      : []),
  ];
}

export const REPORT_COMMANDS = commandModule(
  {
    setfreq: {
      ...QUICK,
      affectsDelivery: true,
      expectsDelivery: true,
      argument: { name: "frequency", kind: "text", required: true, min: 1, max: 32 },
      help: COMMAND_HELP.setfreq,
    },
    report: {
      ...QUICK,
      // builds a period's selection and may ask Hugging Face and GitHub for popularity
      slow: true,
      argument: { name: "period", kind: "text", required: true, min: 1, max: 32 },
      help: COMMAND_HELP.report,
    },
  },
  ({ deps: { reports, reportStore } }) => {
    if (!reports || !reportStore) throw new Error("/setfreq and /report need the report service");
    return reportCommands({ reports, reportStore });
  },
);

export function reportCommands(deps: ReportCommandDeps): Record<"setfreq" | "report", Command> {
  const setfreq: Command = ({ chat, args, now }) => {
    const words = args.split(/\s*[+＋,，、\s]\s*/).filter(Boolean);
    if (words.length === 0 || words.length > 3) return [reply(R.setfreqUsage)];
    const chosen: Frequency[] = [];
    for (const w of words) {
      const f = FREQUENCY_WORDS.get(w.toLowerCase());
      if (!f) return [reply(R.setfreqUsage)];
      chosen.push(f);
    }
    deps.reportStore.setFrequency(chat.id, chosen, now.toISOString());
    const set = deps.reportStore.settings(chat.id).frequency;
    return [
      reply(
        R.setfreqDone(
          set.map((f) => FREQUENCY_NAME[f]),
          nextLines(chat, set, now),
        ),
      ),
    ];
  };

  const report: Command = async ({ chat, args, now }) => {
    const [kindWord = "", periodText, ...rest] = args.split(/\s+/).filter(Boolean);
    const kind = KIND_WORDS.get(kindWord.toLowerCase());
    if (!kind || rest.length) return [reply(R.reportUsage)];
    let period: Period;
    if (periodText === undefined) {
      period = latestDuePeriod(kind, now.getTime(), chat);
    } else {
      try {
        period = parsePeriod(periodText);
      } catch (error) {
        if (error instanceof InvalidPeriodError) return [reply(R.periodInvalid(echo(periodText)))];
        throw error;
      }
      if (period.kind !== kind) return [reply(R.periodMismatch)];
    }
    return deps.reports.forChat(chat, period);
  };

  return { setfreq, report };
}
