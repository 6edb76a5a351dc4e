/**
 * A fake Telegram Bot API server on 127.0.0.1, speaking the real protocol, for tests and
 * benchmarks. Self-contained (imports nothing from src), so it also runs in a child process
 * (test/fakes/telegram-server.ts prints its address).
 *
 *   const tg = await startFakeTelegram({ limits: false });
 *   // point the bot at tg.apiRoot with tg.token, then:
 *   tg.message(fakeGroup(-42, "读书会"), fakeUser(7), "/list");
 *   const [reply] = await tg.waitForSent(-42);
 *   await tg.close();
 *
 * Protocol: POST (or GET) /bot<token>/<method> with a JSON, urlencoded or multipart body (or a
 * query string). Answers `{ ok: true, result }`, or `{ ok: false, error_code, description,
 * parameters? }` with the HTTP status set to error_code, as Telegram does. A wrong token gets
 * 401 Unauthorized, an unknown method 404 Not Found.
 *
 * Methods: getMe, getUpdates (long polling with offset, limit, timeout, allowed_updates; a
 * newer call ends a pending one with 409), setWebhook / deleteWebhook / getWebhookInfo (updates
 * are then POSTed to the webhook with X-Telegram-Bot-Api-Secret-Token), sendMessage,
 * editMessageText, editMessageReplyMarkup, sendChatAction, setMyCommands / getMyCommands / deleteMyCommands,
 * getChatMember, getChat, answerCallbackQuery, deleteMessage, logOut, close.
 *
 * sendMessage checks what Telegram checks: parse_mode HTML is parsed like Telegram's parser
 * (only its tags, balanced, known entities) and refused with 400 "Bad Request: can't parse
 * entities: ..."; the text after entity parsing must be 1..4096 UTF-16 code units ("message
 * text is empty", "message is too long"); inline keyboards need a URL or 1..64 bytes of
 * callback data. Rate limits (on by default, Telegram's figures, `limits` to change or turn
 * off): per chat 1 message/s with a burst of 3, per group 20/min, per bot 30/s; a message over
 * a limit gets 429 "Too Many Requests: retry after N" with parameters.retry_after = N seconds.
 *
 * Faults: `fault({ method, chatId, times, error | network })` answers the next matching calls
 * with a Bot API error (see `fakeErrors`) or drops the connection before ("drop") or after
 * ("drop-after-send": the message is delivered, the answer lost) handling. `blockChat` makes a
 * chat answer 403 for good; `migrateGroup` turns a group into a supergroup (service messages
 * in both chats, and 400 with parameters.migrate_to_chat_id for the old id).
 *
 * `latencyMs` delays every Bot API call before it is handled: a round trip of that length, as
 * from a server far from Telegram's.
 *
 * For a child process, the same server answers GET /_fake/state (sent messages, chat actions,
 * commands, stats), POST /_fake/update (push an update) and POST /_fake/fault.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// ---------------------------------------------------------------------------------------------
// Shapes (the Bot API's JSON, as much of it as sudi uses)

export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}

export interface FakeChat {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  title?: string;
  first_name?: string;
  username?: string;
}

export interface FakeEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}

export type FakeUpdate = { update_id: number } & Record<string, unknown>;

/** One message the bot sent, as the fake recorded it. */
export interface SentMessage {
  message_id: number;
  /** the chat id as text */
  chatId: string;
  /** what the user sees: the text after entity parsing */
  text: string;
  /** the `text` parameter exactly as sent */
  raw: string;
  parseMode?: string;
  entities: FakeEntity[];
  replyMarkup?: unknown;
  linkPreviewOptions?: unknown;
  replyParameters?: unknown;
  /** sendPhoto / sendDocument: the uploaded file (the caption is `text`) */
  photo?: FakeFile;
  document?: FakeFile;
  /** milliseconds since the server started */
  at: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A file uploaded with sendPhoto or sendDocument (multipart). */
export interface FakeFile {
  filename: string;
  bytes: Buffer;
}

export interface FakeBotApiError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface FakeFault {
  /** the method to fail; default "sendMessage" */
  method?: string;
  /** only calls for this chat; default every chat */
  chatId?: string | number;
  /** how many calls to fail; default 1 (Infinity: until cleared) */
  times?: number;
  /** the Bot API error to answer */
  error?: FakeBotApiError;
  /** drop the connection before handling, or after delivering (the answer is lost) */
  network?: "drop" | "drop-after-send";
}

export interface FakeRate {
  /** tokens added per second */
  perSecond: number;
  /** bucket size: how many may go at once after a quiet time */
  burst: number;
}

export interface FakeLimits {
  chat: FakeRate;
  group: FakeRate;
  global: FakeRate;
}

/** Telegram's published limits: ~1 message/s per chat, 20/min per group, ~30/s per bot. */
export const TELEGRAM_LIMITS: FakeLimits = {
  chat: { perSecond: 1, burst: 3 },
  group: { perSecond: 20 / 60, burst: 20 },
  global: { perSecond: 30, burst: 30 },
};

export interface FakeTelegramOptions {
  token?: string;
  bot?: { id?: number; username?: string; first_name?: string };
  /** rate limits enforced on send methods; false turns them off. Default TELEGRAM_LIMITS. */
  limits?: Partial<FakeLimits> | false;
  /**
   * the time the rate limits are measured in, in ms (a test's ManualClock, shared with the
   * sender it checks); default real time
   */
  clock?: { now(): number };
  /** chat id → user ids that are administrators (the first one is the creator) */
  admins?: Record<string, (number | string)[]>;
  /** status of a user getChatMember knows nothing about; default "member" */
  defaultMemberStatus?: "member" | "left";
  /** a delay before every Bot API call is handled (a simulated round trip); default none */
  latencyMs?: number;
  /** delay before redelivering a webhook update that was not answered with 2xx; default 200 ms */
  webhookRetryMs?: number;
  port?: number;
}

/** Ready-made error bodies, worded as Telegram words them. */
export const fakeErrors = {
  blocked: { error_code: 403, description: "Forbidden: bot was blocked by the user" },
  kickedFromGroup: {
    error_code: 403,
    description: "Forbidden: bot was kicked from the group chat",
  },
  kickedFromSupergroup: {
    error_code: 403,
    description: "Forbidden: bot was kicked from the supergroup chat",
  },
  chatNotFound: { error_code: 400, description: "Bad Request: chat not found" },
  internal: { error_code: 500, description: "Internal Server Error" },
  badGateway: { error_code: 502, description: "Bad Gateway" },
  tooManyRequests: (retryAfter: number): FakeBotApiError => ({
    error_code: 429,
    description: `Too Many Requests: retry after ${retryAfter}`,
    parameters: { retry_after: retryAfter },
  }),
  migrated: (newChatId: number): FakeBotApiError => ({
    error_code: 400,
    description: "Bad Request: group chat was upgraded to a supergroup chat",
    parameters: { migrate_to_chat_id: newChatId },
  }),
  cantParse: (detail: string): FakeBotApiError => ({
    error_code: 400,
    description: `Bad Request: can't parse entities: ${detail}`,
  }),
} satisfies Record<string, FakeBotApiError | ((...args: never[]) => FakeBotApiError)>;

/** The user Telegram shows as the sender of an anonymous group admin's message. */
export const GROUP_ANONYMOUS_BOT: FakeUser = {
  id: 1087968824,
  is_bot: true,
  first_name: "Group",
  username: "GroupAnonymousBot",
};

export function fakeUser(id: number, firstName = `User${id}`, username?: string): FakeUser {
  return { id, is_bot: false, first_name: firstName, ...(username ? { username } : {}) };
}

export function privateChatOf(user: FakeUser): FakeChat {
  return { id: user.id, type: "private", first_name: user.first_name };
}

export function fakeGroup(
  id: number,
  title: string,
  type: "group" | "supergroup" = "group",
): FakeChat {
  return { id, type, title };
}

export function fakeChannel(id: number, title: string): FakeChat {
  return { id, type: "channel", title };
}

// ---------------------------------------------------------------------------------------------
// Telegram's HTML parser (after tdlib's parse_html): what it accepts, what it shows

const HTML_TAGS = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "s",
  "strike",
  "del",
  "u",
  "ins",
  "tg-spoiler",
  "tg-emoji",
  "span",
  "pre",
  "code",
  "blockquote",
]);

const ENTITY_OF_TAG: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  u: "underline",
  ins: "underline",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  pre: "pre",
  code: "code",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
};

export class HtmlParseError extends Error {}

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";

/** Decodes an entity at text[i] === "&"; undefined when Telegram would keep the "&" as is. */
function decodeEntityAt(text: string, i: number): { char: string; next: number } | undefined {
  let end = i + 1;
  let code = 0;
  if (text[end] === "#") {
    end++;
    if (text[end] === "x" || text[end] === "X") {
      end++;
      while (end < text.length && /[0-9a-fA-F]/.test(text[end] ?? "")) {
        code = code * 16 + Number.parseInt(text[end] ?? "0", 16);
        end++;
      }
    } else {
      while (end < text.length && /[0-9]/.test(text[end] ?? "")) {
        code = code * 10 + Number(text[end]);
        end++;
      }
    }
    if (code === 0 || code >= 0x10ffff || end - i >= 10) return undefined;
  } else {
    while (end < text.length && /[a-zA-Z]/.test(text[end] ?? "")) end++;
    const name = text.slice(i + 1, end);
    const named: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34 };
    const value = named[name];
    if (value === undefined) return undefined;
    code = value;
  }
  if (text[end] === ";") end++;
  return { char: String.fromCodePoint(code), next: end };
}

function validUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "tg:";
  } catch {
    return false;
  }
}

/**
 * Parses Telegram HTML into the visible text and its entities, or throws HtmlParseError with
 * Telegram's wording (offsets in UTF-8 bytes, as Telegram reports them).
 */
export function parseTelegramHtml(html: string): { text: string; entities: FakeEntity[] } {
  const byteOffset = (i: number) => Buffer.byteLength(html.slice(0, i), "utf8");
  let out = "";
  const entities: FakeEntity[] = [];
  const open: { name: string; argument: string; offset: number }[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === "&") {
      const decoded = decodeEntityAt(html, i);
      if (decoded) {
        out += decoded.char;
        i = decoded.next;
        continue;
      }
    }
    if (c !== "<") {
      out += c;
      i++;
      continue;
    }
    const begin = i++;
    if (html[i] !== "/") {
      while (i < html.length && !isSpace(html[i]) && html[i] !== ">") i++;
      if (i >= html.length)
        throw new HtmlParseError(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
      const name = html.slice(begin + 1, i).toLowerCase();
      if (!HTML_TAGS.has(name)) {
        throw new HtmlParseError(
          `Unsupported start tag "${name}" at byte offset ${byteOffset(begin)}`,
        );
      }
      let argument = "";
      while (i < html.length && html[i] !== ">") {
        while (i < html.length && isSpace(html[i])) i++;
        if (html[i] === ">") break;
        const attrBegin = i;
        while (i < html.length && !isSpace(html[i]) && html[i] !== "=" && html[i] !== ">") i++;
        const attr = html.slice(attrBegin, i).toLowerCase();
        if (!attr) {
          throw new HtmlParseError(
            `Empty attribute name in the tag "${name}" at byte offset ${byteOffset(begin)}`,
          );
        }
        while (i < html.length && isSpace(html[i])) i++;
        // Telegram's one valueless attribute: <blockquote expandable>
        if (name === "blockquote" && attr === "expandable" && html[i] !== "=") {
          argument = "expandable";
          continue;
        }
        if (html[i] !== "=") {
          throw new HtmlParseError(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${byteOffset(begin)}`,
          );
        }
        i++;
        while (i < html.length && isSpace(html[i])) i++;
        if (i >= html.length)
          throw new HtmlParseError(
            `Unclosed start tag "${name}" at byte offset ${byteOffset(begin)}`,
          );
        let value = "";
        const quote = html[i];
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i;
          while (i < html.length && /[A-Za-z0-9.-]/.test(html[i] ?? "")) i++;
          value = html.slice(tokenBegin, i).toLowerCase();
          if (i < html.length && !isSpace(html[i]) && html[i] !== ">") {
            throw new HtmlParseError(
              `Unexpected end of name token at byte offset ${byteOffset(tokenBegin)}`,
            );
          }
        } else {
          i++;
          while (i < html.length && html[i] !== quote) {
            if (html[i] === "&") {
              const decoded = decodeEntityAt(html, i);
              if (decoded) {
                value += decoded.char;
                i = decoded.next;
                continue;
              }
            }
            value += html[i];
            i++;
          }
          if (html[i] === quote) i++;
        }
        if (i >= html.length)
          throw new HtmlParseError(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
        if (name === "a" && attr === "href") argument = value;
        else if (name === "span" && attr === "class" && value.startsWith("tg-"))
          argument = value.slice(3);
      }
      if (name === "span" && argument !== "spoiler") {
        throw new HtmlParseError(
          `Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(begin)}`,
        );
      }
      open.push({ name, argument, offset: out.length });
      i++; // the ">"
    } else {
      const top = open.at(-1);
      if (!top) throw new HtmlParseError(`Unexpected end tag at byte offset ${byteOffset(begin)}`);
      i++;
      const nameBegin = i;
      while (i < html.length && !isSpace(html[i]) && html[i] !== ">") i++;
      const endName = html.slice(nameBegin, i).toLowerCase();
      while (i < html.length && isSpace(html[i])) i++;
      if (html[i] !== ">")
        throw new HtmlParseError(`Unclosed end tag at byte offset ${byteOffset(begin)}`);
      if (endName && endName !== top.name) {
        throw new HtmlParseError(
          `Unmatched end tag at byte offset ${byteOffset(begin)}, expected "</${top.name}>", found "</${endName}>"`,
        );
      }
      i++;
      open.pop();
      const length = out.length - top.offset;
      if (length > 0) {
        if (top.name === "a") {
          const url = top.argument || out.slice(top.offset);
          if (validUrl(url)) entities.push({ type: "text_link", offset: top.offset, length, url });
        } else {
          const type =
            top.name === "blockquote" && top.argument === "expandable"
              ? "expandable_blockquote"
              : (ENTITY_OF_TAG[top.name] ?? top.name);
          entities.push({ type, offset: top.offset, length });
        }
      }
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) {
    throw new HtmlParseError(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  }
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text: out, entities };
}

// ---------------------------------------------------------------------------------------------
// Rate limits: one token bucket (GCRA) per key

class Buckets {
  private readonly tat = new Map<string, number>();
  constructor(private readonly rate: FakeRate) {}

  /** Milliseconds until `key` may send, 0 when it may now. */
  wait(key: string, now: number): number {
    const interval = 1000 / this.rate.perSecond;
    const tolerance = (this.rate.burst - 1) * interval;
    const tat = this.tat.get(key) ?? now;
    return Math.max(0, tat - tolerance - now);
  }

  take(key: string, now: number): void {
    const interval = 1000 / this.rate.perSecond;
    this.tat.set(key, Math.max(this.tat.get(key) ?? now, now) + interval);
  }
}

// ---------------------------------------------------------------------------------------------
// The server

const JSON_FIELDS = new Set([
  "reply_markup",
  "link_preview_options",
  "reply_parameters",
  "allowed_updates",
  "commands",
  "scope",
  "entities",
]);
const DEFAULT_EXCLUDED_UPDATES = new Set([
  "chat_member",
  "message_reaction",
  "message_reaction_count",
]);

class BotApiError extends Error {
  constructor(readonly body: FakeBotApiError) {
    super(body.description);
  }
}

const badRequest = (description: string) =>
  new BotApiError({ error_code: 400, description: `Bad Request: ${description}` });

interface ParkedPoll {
  limit: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

interface FaultRule extends FakeFault {
  remaining: number;
}

export interface FakeTelegramStats {
  requests: number;
  /** 429s answered because a rate limit was exceeded (scripted ones not counted) */
  rateLimited: number;
  /** calls answered by a scripted fault */
  faults: number;
}

export interface FakeTelegram {
  /** http://127.0.0.1:port, to use as TELEGRAM_API_ROOT */
  readonly apiRoot: string;
  readonly port: number;
  readonly token: string;
  readonly botUser: FakeUser & { username: string };
  /** every message the bot sent, in order */
  readonly sent: SentMessage[];
  /** every Bot API call, in order (method and parameters) */
  readonly calls: { method: string; params: Record<string, unknown> }[];
  readonly chatActions: { chatId: string; action: string }[];
  readonly callbackAnswers: { callback_query_id: string; text?: string }[];
  readonly stats: FakeTelegramStats;
  /** the command lists set with setMyCommands, by scope type ("default", "all_private_chats", ...) */
  readonly commands: Map<string, { command: string; description: string }[]>;
  /** status codes the webhook answered, in order */
  readonly webhookResponses: number[];
  sentTo(chatId: number | string): SentMessage[];
  /** Queues an update (or POSTs it to the webhook); assigns update_id when missing. */
  pushUpdate(update: Record<string, unknown>): number;
  /** A user's text message (a bot_command entity when it starts with "/"). */
  message(
    chat: FakeChat,
    from: FakeUser,
    text: string,
    extra?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** A message an anonymous admin posted on behalf of the group. */
  anonymousAdminMessage(chat: FakeChat, text: string): Record<string, unknown>;
  channelPost(chat: FakeChat, text: string): Record<string, unknown>;
  /** The bot's membership changed (my_chat_member). */
  myChatMember(chat: FakeChat, from: FakeUser, oldStatus: string, newStatus: string): void;
  /** A user pressed an inline button on a message the bot sent; returns the query id. */
  pressButton(message: SentMessage, from: FakeUser, data: string): string;
  /** A group becomes a supergroup: service messages in both, the old id answers 400. */
  migrateGroup(oldChat: FakeChat, by: FakeUser, newChatId?: number): FakeChat;
  /** Every later send to the chat answers 403 (or `error`). */
  blockChat(chatId: number | string, error?: FakeBotApiError): void;
  setMemberStatus(chatId: number | string, userId: number | string, status: string): void;
  fault(fault: FakeFault): void;
  clearFaults(): void;
  /** Resolves with the chat's messages once it has at least `count`; rejects after timeoutMs. */
  waitForSent(chatId: number | string, count?: number, timeoutMs?: number): Promise<SentMessage[]>;
  /** Resolves once `predicate` holds (checked after every call and update); rejects after timeoutMs. */
  waitUntil(
    predicate: () => boolean,
    timeoutMs?: number,
    what?: string | (() => string),
  ): Promise<void>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A multipart/form-data body as the Bot API reads it: text fields as strings, file parts (those
 * with a filename) as FakeFile. Written out because grammY's streamed bodies are valid
 * multipart that undici's strict FormData parser refuses.
 */
function parseMultipart(body: Buffer, type: string): Record<string, string | FakeFile> {
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) throw badRequest("multipart body without a boundary");
  const out: Record<string, string | FakeFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      // the content ends before the CRLF that precedes the next delimiter
      const content = part.subarray(headerEnd + 4, part.length - 2);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      // grammY writes filename=name.png unquoted (the rest of the line)
      const fn = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers);
      const filename = fn ? (fn[1] ?? fn[2] ?? "") : undefined;
      if (name) {
        out[name] =
          filename !== undefined
            ? { filename, bytes: Buffer.from(content) }
            : content.toString("utf8");
      }
    }
    at = next;
  }
  return out;
}

async function parseParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const body = await readBody(req);
  const type = req.headers["content-type"] ?? "";
  if (body.length > 0) {
    if (type.includes("application/json")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        throw badRequest("can't parse JSON");
      }
      if (parsed && typeof parsed === "object") Object.assign(params, parsed);
    } else if (type.includes("multipart/form-data")) {
      Object.assign(params, parseMultipart(body, type));
    } else if (type.includes("form")) {
      for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
    }
  }
  for (const key of JSON_FIELDS) {
    const value = params[key];
    if (typeof value === "string") {
      try {
        params[key] = JSON.parse(value);
      } catch {
        throw badRequest(`can't parse ${key.replace(/_/g, " ")} JSON object`);
      }
    }
  }
  return params;
}

function updateType(update: Record<string, unknown>): string {
  return Object.keys(update).find((k) => k !== "update_id") ?? "";
}

function checkKeyboard(markup: unknown): void {
  if (markup === undefined || markup === null) return;
  if (typeof markup !== "object") throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (rows === undefined) return;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
    throw badRequest(
      'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    );
  }
  for (const row of rows as unknown[][]) {
    for (const b of row) {
      const button = b as { text?: unknown; url?: unknown; callback_data?: unknown };
      if (typeof button.text !== "string" || button.text.trim() === "") {
        throw badRequest('can\'t find field "text"');
      }
      if (typeof button.url === "string") {
        if (!validUrl(button.url)) throw badRequest("BUTTON_URL_INVALID");
      } else if (typeof button.callback_data === "string") {
        const bytes = Buffer.byteLength(button.callback_data, "utf8");
        if (bytes < 1 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
      } else {
        throw badRequest(
          "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        );
      }
    }
  }
}

/** Starts the fake on 127.0.0.1 (port 0 unless given). */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = options.token ?? "123456789:AAFakeTokenForTestsOnly_abcdefghijklmnop";
  const botUser = {
    id: options.bot?.id ?? Number(token.split(":")[0]),
    is_bot: true,
    first_name: options.bot?.first_name ?? "论文速递",
    username: options.bot?.username ?? "sudi_test_bot",
  };
  const started = performance.now();
  const clock = options.clock;
  const now = clock ? () => clock.now() : () => performance.now() - started;
  const limits =
    options.limits === false ? undefined : { ...TELEGRAM_LIMITS, ...(options.limits ?? {}) };
  const chatBuckets = limits && new Buckets(limits.chat);
  const groupBuckets = limits && new Buckets(limits.group);
  const globalBucket = limits && new Buckets(limits.global);

  const events = new EventEmitter();
  events.setMaxListeners(0);
  const changed = () => events.emit("change");

  const sent: SentMessage[] = [];
  const sentByChat = new Map<string, SentMessage[]>();
  const calls: FakeTelegram["calls"] = [];
  const chatActions: FakeTelegram["chatActions"] = [];
  const callbackAnswers: FakeTelegram["callbackAnswers"] = [];
  const commands: FakeTelegram["commands"] = new Map();
  const stats: FakeTelegramStats = { requests: 0, rateLimited: 0, faults: 0 };
  const webhookResponses: number[] = [];
  const chats = new Map<string, FakeChat>();
  const members = new Map<string, Map<string, string>>();
  for (const [chatId, ids] of Object.entries(options.admins ?? {})) {
    for (const [n, id] of ids.entries()) {
      setMemberStatus(chatId, id, n === 0 ? "creator" : "administrator");
    }
  }
  const blocked = new Map<string, FakeBotApiError>();
  const migrated = new Map<string, number>();
  const pendingQueries = new Set<string>();
  const messageIds = new Map<string, number>();
  let faults: FaultRule[] = [];

  let queue: FakeUpdate[] = [];
  let nextUpdateId = 1;
  let allowedUpdates: Set<string> | undefined;
  let parked: ParkedPoll | undefined;
  let webhook: { url: string; secret?: string } | undefined;
  let webhookBusy = false;
  let closed = false;

  function setMemberStatus(chatId: number | string, userId: number | string, status: string) {
    const key = String(chatId);
    const map = members.get(key) ?? new Map<string, string>();
    map.set(String(userId), status);
    members.set(key, map);
  }

  function nextMessageId(chatId: string): number {
    const id = (messageIds.get(chatId) ?? 0) + 1;
    messageIds.set(chatId, id);
    return id;
  }

  function chatObject(chatId: string): FakeChat {
    const known = chats.get(chatId);
    if (known) return known;
    const id = Number(chatId);
    if (id > 0) return { id, type: "private", first_name: `User${id}` };
    return {
      id,
      type: chatId.startsWith("-100") ? "supergroup" : "group",
      title: `Chat ${chatId}`,
    };
  }

  function isAllowed(update: Record<string, unknown>): boolean {
    const type = updateType(update);
    return allowedUpdates ? allowedUpdates.has(type) : !DEFAULT_EXCLUDED_UPDATES.has(type);
  }

  function answerPoll() {
    if (!parked || queue.length === 0) return;
    const { res, timer, limit } = parked;
    parked = undefined;
    clearTimeout(timer);
    reply(res, { ok: true, result: queue.slice(0, limit) });
  }

  function pushUpdate(update: Record<string, unknown>): number {
    const full = {
      ...update,
      update_id: (update.update_id as number | undefined) ?? nextUpdateId,
    } as FakeUpdate;
    nextUpdateId = Math.max(nextUpdateId, full.update_id + 1);
    if (!isAllowed(full)) return full.update_id;
    queue.push(full);
    answerPoll();
    void deliverWebhook();
    changed();
    return full.update_id;
  }

  async function deliverWebhook(): Promise<void> {
    if (!webhook || webhookBusy || closed) return;
    webhookBusy = true;
    try {
      while (webhook && queue.length > 0 && !closed) {
        const update = queue[0] as FakeUpdate;
        const status = await postJson(webhook.url, update, webhook.secret).catch(() => 0);
        webhookResponses.push(status);
        changed();
        if (status >= 200 && status < 300) {
          queue = queue.filter((u) => u.update_id !== update.update_id);
        } else {
          await new Promise((r) => setTimeout(r, options.webhookRetryMs ?? 200));
        }
      }
    } finally {
      webhookBusy = false;
    }
  }

  function remember(chat: FakeChat) {
    chats.set(String(chat.id), chat);
  }

  function message(
    chat: FakeChat,
    from: FakeUser,
    text: string,
    extra: Record<string, unknown> = {},
  ) {
    remember(chat);
    const command = /^\/\S*/.exec(text);
    const msg: Record<string, unknown> = {
      message_id: nextMessageId(String(chat.id)),
      from,
      chat,
      date: Math.floor(Date.now() / 1000),
      text,
      ...(command
        ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] }
        : {}),
      ...extra,
    };
    pushUpdate({ message: msg });
    return msg;
  }

  function takeFault(method: string, chatId: string | undefined): FaultRule | undefined {
    const rule = faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.method ?? "sendMessage") === method &&
        (f.chatId === undefined || String(f.chatId) === chatId),
    );
    if (rule) {
      rule.remaining--;
      stats.faults++;
      faults = faults.filter((f) => f.remaining > 0);
    }
    return rule;
  }

  function checkChat(chatId: string): void {
    const gone = blocked.get(chatId);
    if (gone) throw new BotApiError(gone);
    const to = migrated.get(chatId);
    if (to !== undefined) throw new BotApiError(fakeErrors.migrated(to));
  }

  function checkRateLimit(chatId: string): void {
    if (!chatBuckets || !groupBuckets || !globalBucket) return;
    const t = now();
    const isGroup = chatId.startsWith("-");
    const wait = Math.max(
      chatBuckets.wait(chatId, t),
      isGroup ? groupBuckets.wait(chatId, t) : 0,
      globalBucket.wait("", t),
    );
    if (wait > 0) {
      stats.rateLimited++;
      throw new BotApiError(fakeErrors.tooManyRequests(Math.max(1, Math.ceil(wait / 1000))));
    }
    chatBuckets.take(chatId, t);
    if (isGroup) groupBuckets.take(chatId, t);
    globalBucket.take("", t);
  }

  function renderText(params: Record<string, unknown>): { text: string; entities: FakeEntity[] } {
    const raw = params.text;
    if (typeof raw !== "string" || raw.trim() === "") throw badRequest("message text is empty");
    const mode = typeof params.parse_mode === "string" ? params.parse_mode : "";
    let parsed: { text: string; entities: FakeEntity[] } = { text: raw, entities: [] };
    if (mode.toLowerCase() === "html") {
      try {
        parsed = parseTelegramHtml(raw);
      } catch (err) {
        if (err instanceof HtmlParseError) throw new BotApiError(fakeErrors.cantParse(err.message));
        throw err;
      }
    } else if (mode !== "") {
      throw badRequest("unsupported parse_mode");
    }
    if (parsed.text.trim() === "") throw badRequest("message text is empty");
    if (parsed.text.length > 4096) throw badRequest("message is too long");
    return parsed;
  }

  /** sendPhoto / sendDocument: a multipart upload with an optional caption (1024 characters). */
  function sendFile(params: Record<string, unknown>, kind: "photo" | "document") {
    const chatId = requireChatId(params);
    checkChat(chatId);
    let file = params[kind];
    // grammY (like the Bot API docs) may name the upload "attach://<part>" and send it as that part
    if (typeof file === "string" && file.startsWith("attach://")) file = params[file.slice(9)];
    if (!file || typeof file !== "object" || !("bytes" in file)) {
      throw badRequest(`there is no ${kind} in the request`);
    }
    const upload = file as FakeFile;
    if (kind === "photo" && !upload.bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
      throw badRequest("IMAGE_PROCESS_FAILED");
    }
    let caption = { text: "", entities: [] as FakeEntity[] };
    if (typeof params.caption === "string" && params.caption !== "") {
      caption = renderText({ text: params.caption, parse_mode: params.parse_mode });
      if (caption.text.length > 1024) throw badRequest("message caption is too long");
    }
    checkRateLimit(chatId);
    const record: SentMessage = {
      message_id: nextMessageId(chatId),
      chatId,
      text: caption.text,
      raw: typeof params.caption === "string" ? params.caption : "",
      ...(typeof params.parse_mode === "string" ? { parseMode: params.parse_mode } : {}),
      entities: caption.entities,
      [kind]: upload,
      at: now(),
    };
    sent.push(record);
    const list = sentByChat.get(chatId) ?? [];
    list.push(record);
    sentByChat.set(chatId, list);
    const size = upload.bytes.length;
    return {
      message_id: record.message_id,
      from: botUser,
      chat: chatObject(chatId),
      date: Math.floor(Date.now() / 1000),
      ...(caption.text ? { caption: caption.text } : {}),
      ...(kind === "photo"
        ? {
            photo: [
              {
                file_id: `photo${record.message_id}`,
                file_unique_id: `p${record.message_id}`,
                width: 800,
                height: 600,
                file_size: size,
              },
            ],
          }
        : {
            document: {
              file_id: `doc${record.message_id}`,
              file_unique_id: `d${record.message_id}`,
              file_name: upload.filename,
              file_size: size,
            },
          }),
    };
  }

  function requireChatId(params: Record<string, unknown>): string {
    const id = params.chat_id;
    if (id === undefined || id === null || id === "") throw badRequest("chat_id is empty");
    return String(id);
  }

  const methods: Record<string, (params: Record<string, unknown>, res: ServerResponse) => unknown> =
    {
      getMe: () => ({
        ...botUser,
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
      }),
      logOut: () => true,
      close: () => true,
      getUpdates: (params, res) => {
        if (webhook) {
          throw new BotApiError({
            error_code: 409,
            description:
              "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
          });
        }
        if (Array.isArray(params.allowed_updates)) {
          const list = params.allowed_updates as string[];
          allowedUpdates = list.length ? new Set(list) : undefined;
        }
        const offset = params.offset === undefined ? undefined : Number(params.offset);
        if (offset !== undefined && offset > 0) queue = queue.filter((u) => u.update_id >= offset);
        else if (offset !== undefined && offset < 0) queue = queue.slice(offset);
        const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
        const timeout = Math.max(0, Number(params.timeout ?? 0));
        if (parked) {
          const old = parked;
          parked = undefined;
          clearTimeout(old.timer);
          if (!old.res.destroyed) {
            reply(old.res, {
              ok: false,
              error_code: 409,
              description:
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            });
          }
        }
        if (queue.length > 0 || timeout === 0 || closed) return queue.slice(0, limit);
        const timer = setTimeout(() => {
          if (parked?.res === res) parked = undefined;
          reply(res, { ok: true, result: queue.slice(0, limit) });
        }, timeout * 1000);
        parked = { res, timer, limit };
        res.once("close", () => {
          if (parked?.res === res) {
            clearTimeout(parked.timer);
            parked = undefined;
          }
        });
        return PARKED;
      },
      setWebhook: (params) => {
        const url = params.url;
        if (typeof url !== "string" || url === "") {
          webhook = undefined;
          return true;
        }
        if (!validUrl(url)) throw badRequest("bad webhook: invalid URL");
        const secret = typeof params.secret_token === "string" ? params.secret_token : undefined;
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
          throw badRequest("secret token contains unallowed characters");
        }
        if (Array.isArray(params.allowed_updates)) {
          const list = params.allowed_updates as string[];
          allowedUpdates = list.length ? new Set(list) : undefined;
        }
        if (params.drop_pending_updates === true || params.drop_pending_updates === "true")
          queue = [];
        webhook = { url, ...(secret ? { secret } : {}) };
        void deliverWebhook();
        return true;
      },
      deleteWebhook: (params) => {
        webhook = undefined;
        if (params.drop_pending_updates === true || params.drop_pending_updates === "true")
          queue = [];
        return true;
      },
      getWebhookInfo: () => ({
        url: webhook?.url ?? "",
        has_custom_certificate: false,
        pending_update_count: queue.length,
      }),
      sendMessage: (params) => {
        const chatId = requireChatId(params);
        checkChat(chatId);
        const { text, entities } = renderText(params);
        checkKeyboard(params.reply_markup);
        checkRateLimit(chatId);
        const record: SentMessage = {
          message_id: nextMessageId(chatId),
          chatId,
          text,
          raw: params.text as string,
          ...(typeof params.parse_mode === "string" ? { parseMode: params.parse_mode } : {}),
          entities,
          ...(params.reply_markup ? { replyMarkup: params.reply_markup } : {}),
          ...(params.link_preview_options
            ? { linkPreviewOptions: params.link_preview_options }
            : {}),
          ...(params.reply_parameters ? { replyParameters: params.reply_parameters } : {}),
          at: now(),
        };
        sent.push(record);
        const list = sentByChat.get(chatId) ?? [];
        list.push(record);
        sentByChat.set(chatId, list);
        return {
          message_id: record.message_id,
          from: botUser,
          chat: chatObject(chatId),
          date: Math.floor(Date.now() / 1000),
          text,
          ...(entities.length ? { entities } : {}),
          ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}),
        };
      },
      sendPhoto: (params) => sendFile(params, "photo"),
      sendDocument: (params) => sendFile(params, "document"),
      editMessageText: (params) => {
        const chatId = requireChatId(params);
        checkChat(chatId);
        const target = (sentByChat.get(chatId) ?? []).find(
          (m) => m.message_id === Number(params.message_id),
        );
        if (!target) throw badRequest("message to edit not found");
        const { text, entities } = renderText(params);
        checkKeyboard(params.reply_markup);
        if (
          text === target.text &&
          JSON.stringify(params.reply_markup) === JSON.stringify(target.replyMarkup)
        ) {
          throw badRequest(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
          );
        }
        Object.assign(target, {
          text,
          entities,
          raw: params.text,
          replyMarkup: params.reply_markup,
        });
        return { message_id: target.message_id, chat: chatObject(chatId), date: 0, text };
      },
      editMessageReplyMarkup: (params) => {
        const chatId = requireChatId(params);
        checkChat(chatId);
        const target = (sentByChat.get(chatId) ?? []).find(
          (m) => m.message_id === Number(params.message_id),
        );
        if (!target) throw badRequest("message to edit not found");
        checkKeyboard(params.reply_markup);
        if (JSON.stringify(params.reply_markup) === JSON.stringify(target.replyMarkup)) {
          throw badRequest(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
          );
        }
        target.replyMarkup = params.reply_markup;
        return {
          message_id: target.message_id,
          chat: chatObject(chatId),
          date: 0,
          text: target.text,
        };
      },
      deleteMessage: (params) => {
        requireChatId(params);
        return true;
      },
      sendChatAction: (params) => {
        const chatId = requireChatId(params);
        checkChat(chatId);
        chatActions.push({ chatId, action: String(params.action ?? "") });
        return true;
      },
      setMyCommands: (params) => {
        const list = params.commands;
        if (!Array.isArray(list)) throw badRequest('parameter "commands" is required');
        if (list.length > 100) throw badRequest("too many commands");
        for (const c of list as { command?: unknown; description?: unknown }[]) {
          if (typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) {
            throw badRequest("BOT_COMMAND_INVALID");
          }
          if (
            typeof c.description !== "string" ||
            c.description.length < 1 ||
            c.description.length > 256
          ) {
            throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
          }
        }
        const scope = (params.scope as { type?: string } | undefined)?.type ?? "default";
        commands.set(scope, list as { command: string; description: string }[]);
        return true;
      },
      getMyCommands: (params) =>
        commands.get((params.scope as { type?: string } | undefined)?.type ?? "default") ?? [],
      deleteMyCommands: (params) => {
        commands.delete((params.scope as { type?: string } | undefined)?.type ?? "default");
        return true;
      },
      getChat: (params) => {
        const chatId = requireChatId(params);
        checkChat(chatId);
        return chatObject(chatId);
      },
      getChatMember: (params) => {
        const chatId = requireChatId(params);
        checkChat(chatId);
        const userId = String(params.user_id ?? "");
        if (!/^\d+$/.test(userId)) throw badRequest("invalid user_id specified");
        const status =
          members.get(chatId)?.get(userId) ??
          (chatId === userId ? "member" : (options.defaultMemberStatus ?? "member"));
        const user = { id: Number(userId), is_bot: false, first_name: `User${userId}` };
        if (status === "administrator") {
          return { status, user, can_be_edited: false, is_anonymous: false, can_manage_chat: true };
        }
        if (status === "creator") return { status, user, is_anonymous: false };
        if (status === "kicked") return { status, user, until_date: 0 };
        return { status, user };
      },
      answerCallbackQuery: (params) => {
        const id = String(params.callback_query_id ?? "");
        if (!pendingQueries.delete(id)) {
          throw badRequest("query is too old and response timeout expired or query ID is invalid");
        }
        callbackAnswers.push({
          callback_query_id: id,
          ...(typeof params.text === "string" ? { text: params.text } : {}),
        });
        return true;
      },
    };

  function reply(res: ServerResponse, body: unknown, status = 200): void {
    if (res.destroyed || res.writableEnded) return;
    const json = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(json),
    });
    res.end(json);
  }

  function replyError(res: ServerResponse, err: FakeBotApiError): void {
    reply(res, { ok: false, ...err }, err.error_code);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string) {
    if (req.method === "GET" && path === "/_fake/state") {
      reply(res, {
        sent,
        chatActions,
        callbackAnswers,
        stats,
        commands: Object.fromEntries(commands),
      });
      return;
    }
    const body = JSON.parse((await readBody(req)).toString("utf8") || "{}") as Record<
      string,
      unknown
    >;
    if (path === "/_fake/update") {
      reply(res, { update_id: pushUpdate(body) });
    } else if (path === "/_fake/fault") {
      api.fault(body as FakeFault);
      reply(res, { ok: true });
    } else {
      replyError(res, { error_code: 404, description: "Not Found" });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith("/_fake/")) return handleControl(req, res, url.pathname);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return replyError(res, { error_code: 404, description: "Not Found" });
    if (match[1] !== token)
      return replyError(res, { error_code: 401, description: "Unauthorized" });
    const methodName = match[2] ?? "";
    const method = Object.keys(methods).find((m) => m.toLowerCase() === methodName.toLowerCase());
    if (!method) return replyError(res, { error_code: 404, description: "Not Found" });
    stats.requests++;
    try {
      const params = await parseParams(req, url);
      calls.push({ method, params });
      const chatId = params.chat_id === undefined ? undefined : String(params.chat_id);
      const fault = takeFault(method, chatId);
      if (fault?.network === "drop") {
        req.socket.destroy();
        return;
      }
      if (fault?.error) throw new BotApiError(fault.error);
      const result = methods[method]?.(params, res);
      if (fault?.network === "drop-after-send") {
        req.socket.destroy();
        return;
      }
      if (result !== PARKED) reply(res, { ok: true, result });
    } catch (err) {
      if (err instanceof BotApiError) replyError(res, err.body);
      else
        replyError(res, { error_code: 500, description: `Internal Server Error: ${String(err)}` });
    } finally {
      changed();
    }
  }

  const server = createServer((req, res) => {
    const run = () =>
      handle(req, res).catch((err) => {
        replyError(res, { error_code: 500, description: `Internal Server Error: ${String(err)}` });
      });
    if (options.latencyMs && !req.url?.startsWith("/_fake/")) setTimeout(run, options.latencyMs);
    else void run();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  function waitUntil(
    predicate: () => boolean,
    timeoutMs = 5000,
    what: string | (() => string) = "condition",
  ): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        events.off("change", check);
        resolve();
      };
      const timer = setTimeout(() => {
        events.off("change", check);
        const described = typeof what === "function" ? what() : what;
        reject(
          new Error(`fake Telegram: timed out after ${timeoutMs} ms waiting for ${described}`),
        );
      }, timeoutMs);
      events.on("change", check);
    });
  }

  const api: FakeTelegram = {
    apiRoot: `http://127.0.0.1:${port}`,
    port,
    token,
    botUser,
    sent,
    calls,
    chatActions,
    callbackAnswers,
    stats,
    commands,
    webhookResponses,
    sentTo: (chatId) => sentByChat.get(String(chatId)) ?? [],
    pushUpdate,
    message,
    anonymousAdminMessage: (chat, text) =>
      message(chat, GROUP_ANONYMOUS_BOT, text, { sender_chat: chat }),
    channelPost: (chat, text) => {
      remember(chat);
      const post = {
        message_id: nextMessageId(String(chat.id)),
        sender_chat: chat,
        chat,
        date: Math.floor(Date.now() / 1000),
        text,
      };
      pushUpdate({ channel_post: post });
      return post;
    },
    myChatMember: (chat, from, oldStatus, newStatus) => {
      remember(chat);
      const member = (status: string) => ({
        user: botUser,
        status,
        ...(status === "kicked" ? { until_date: 0 } : {}),
      });
      pushUpdate({
        my_chat_member: {
          chat,
          from,
          date: Math.floor(Date.now() / 1000),
          old_chat_member: member(oldStatus),
          new_chat_member: member(newStatus),
        },
      });
    },
    pressButton: (msg, from, data) => {
      const id = String(1_000_000 + nextUpdateId);
      pendingQueries.add(id);
      pushUpdate({
        callback_query: {
          id,
          from,
          chat_instance: `ci${msg.chatId}`,
          data,
          message: {
            message_id: msg.message_id,
            from: botUser,
            chat: chatObject(msg.chatId),
            date: Math.floor(Date.now() / 1000),
            text: msg.text,
            ...(msg.replyMarkup ? { reply_markup: msg.replyMarkup } : {}),
          },
        },
      });
      return id;
    },
    migrateGroup: (oldChat, by, newChatId) => {
      const newId = newChatId ?? Number(`-100${Math.abs(oldChat.id)}`);
      const fresh: FakeChat = {
        id: newId,
        type: "supergroup",
        ...(oldChat.title ? { title: oldChat.title } : {}),
      };
      migrated.set(String(oldChat.id), newId);
      const statuses = members.get(String(oldChat.id));
      if (statuses) members.set(String(newId), new Map(statuses));
      message(oldChat, by, "", { text: undefined, migrate_to_chat_id: newId });
      message(fresh, by, "", { text: undefined, migrate_from_chat_id: oldChat.id });
      return fresh;
    },
    blockChat: (chatId, error) => {
      const key = String(chatId);
      const isGroup = key.startsWith("-");
      blocked.set(key, error ?? (isGroup ? fakeErrors.kickedFromGroup : fakeErrors.blocked));
    },
    setMemberStatus,
    fault: (f) => {
      faults.push({ ...f, remaining: f.times ?? 1 });
    },
    clearFaults: () => {
      faults = [];
    },
    waitForSent: async (chatId, count = 1, timeoutMs = 5000) => {
      await waitUntil(
        () => (sentByChat.get(String(chatId))?.length ?? 0) >= count,
        timeoutMs,
        () =>
          `${count} message(s) to chat ${chatId} (got ${
            (sentByChat.get(String(chatId)) ?? [])
              .map((m) => JSON.stringify(m.text.slice(0, 80)))
              .join(", ") || "none"
          })`,
      );
      return sentByChat.get(String(chatId)) ?? [];
    },
    waitUntil,
    close: async () => {
      closed = true;
      webhook = undefined;
      if (parked) {
        clearTimeout(parked.timer);
        reply(parked.res, { ok: true, result: [] });
        parked = undefined;
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return api;
}

const PARKED = Symbol("parked");

function postJson(url: string, body: unknown, secret: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const json = JSON.stringify(body);
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(json),
          ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(json);
  });
}
