/**
 * A local fake of Discord for tests and benches: the REST v10 endpoints sudi uses and a minimal
 * gateway (HELLO, IDENTIFY → READY, heartbeats, dispatches), on 127.0.0.1.
 *
 * It behaves like Discord where sudi could get it wrong: message bodies are checked against the
 * embed and component limits and refused with Discord's 50035 error body; every channel has a
 * message bucket and there is a global limit, both answered with 429 and Discord's rate-limit
 * headers and body; interactions can be acknowledged once, and edits need an acknowledgement.
 * Faults are scripted per channel (403 Missing Permissions, 404 Unknown Channel, 429, 500).
 * It counts what a test wants to know: messages per channel, requests that came before a 429's
 * retry time, mentions a message would have pinged.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { Block, RichMessage } from "../../src/core/message.ts";

export interface FakeDiscordOptions {
  /** the bot token requests must carry (default "fake-discord-token") */
  token?: string;
  applicationId?: string;
  botUserId?: string;
  /** global requests a second; 0 for none (default 50) */
  globalLimit?: number;
  /** messages per channel per window (Discord: 5 per 5 s) */
  channelLimit?: { limit: number; windowMs: number };
  /** heartbeat interval the gateway announces (default 41250 ms) */
  heartbeatIntervalMs?: number;
  /** a delay before every REST answer (a simulated round trip) */
  latencyMs?: number;
  /**
   * how long a message create's `nonce` is remembered per channel (default 5 min, Discord's "a
   * few minutes"): with `enforce_nonce`, a create repeating a nonce within it returns the first
   * message instead of posting another
   */
  nonceWindowMs?: number;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  body: MessageBody;
  /** what Discord would have pinged: "everyone", user or role ids */
  mentions: string[];
}

/** A file posted with a message (multipart files[n]). */
export interface UploadedFile {
  /** n of the files[n] part it came in (what `attachments[].id` refers to) */
  index: number;
  filename: string;
  /** the part's own Content-Type header ("" when it had none) */
  contentType: string;
  bytes: Buffer;
}

/**
 * An attachment as Discord answers it: images it can read (PNG here) get their width and
 * height, which is what makes a client show them inline as pictures.
 */
export interface AttachmentJson {
  id: string;
  filename: string;
  size: number;
  content_type?: string;
  width?: number;
  height?: number;
  url: string;
}

/** Width and height of a PNG (from its IHDR chunk), or null when the bytes are not one. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
  const signature = "89504e470d0a1a0a";
  if (bytes.length < 24 || bytes.subarray(0, 8).toString("hex") !== signature) return null;
  if (bytes.toString("latin1", 12, 16) !== "IHDR") return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** A message's attachments as Discord's answer lists them. */
export function attachmentsOf(m: FakeMessage): AttachmentJson[] {
  return (m.body.files ?? []).map((f) => {
    const named = m.body.attachments?.find((a) => String(a.id) === String(f.index));
    const filename = named?.filename ?? f.filename;
    const image = f.contentType.startsWith("image/") ? pngSize(f.bytes) : null;
    return {
      id: `${m.id}${f.index}`,
      filename,
      size: f.bytes.length,
      ...(f.contentType ? { content_type: f.contentType } : {}),
      ...(image ?? {}),
      url: `https://cdn.discordapp.com/attachments/${m.channelId}/${m.id}/${filename}`,
    };
  });
}

/**
 * Discord's checks on an upload: each `attachments` entry names an uploaded files[id], and an
 * embed's `attachment://name` names an uploaded file.
 */
export function validateUploads(body: MessageBody): ErrorTree | undefined {
  const files = body.files ?? [];
  const errors: ErrorTree = {};
  (body.attachments ?? []).forEach((a, i) => {
    const file = files.find((f) => String(f.index) === String(a.id));
    if (!file) addError(errors, ["attachments", i, "id"], "ATTACHMENT_NOT_FOUND", "Unknown file.");
  });
  const names = new Set(
    files.map(
      (f) =>
        (body.attachments ?? []).find((a) => String(a.id) === String(f.index))?.filename ??
        f.filename,
    ),
  );
  (body.embeds ?? []).forEach((e, i) => {
    const url = e.image?.url;
    if (url?.startsWith("attachment://") && !names.has(url.slice("attachment://".length))) {
      addError(errors, ["embeds", i, "image", "url"], "ATTACHMENT_NOT_FOUND", "Unknown file.");
    }
  });
  return Object.keys(errors).length ? errors : undefined;
}

export interface MessageBody {
  content?: string;
  /** files uploaded with the message (multipart), as the fake received them */
  files?: UploadedFile[];
  attachments?: { id: number | string; filename?: string }[];
  embeds?: Embed[];
  components?: { type: number; components: Record<string, unknown>[] }[];
  allowed_mentions?: { parse?: string[]; users?: string[]; roles?: string[] };
  flags?: number;
  nonce?: string | number;
  enforce_nonce?: boolean;
}

interface Embed {
  title?: string;
  url?: string;
  description?: string;
  color?: number;
  author?: { name?: string };
  footer?: { text?: string };
  fields?: { name?: string; value?: string; inline?: boolean }[];
  image?: { url?: string };
}

export interface InteractionRecord {
  id: string;
  token: string;
  raw: Record<string, unknown>;
  dispatchedAt: number;
  /** every callback POSTed, accepted or not */
  callbacks: { type: number; data?: unknown; at: number; accepted: boolean }[];
  acknowledged: boolean;
  /** the original response: the reply, or the edit of a deferred reply */
  original?: MessageBody;
  followUps: MessageBody[];
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  at: number;
}

export type ScriptedFault =
  | { status: 429; retryAfter: number; global?: boolean }
  | { status: 500 | 502 | 503 }
  | { status: 403; code: 50001 | 50013 | 50007 }
  | { status: 404; code: 10003 | 10004 | 10013 };

export interface FakeDiscord {
  apiRoot: string;
  gatewayUrl: string;
  token: string;
  applicationId: string;
  /** messages accepted, per channel id */
  messages: Map<string, FakeMessage[]>;
  messagesIn(channelId: string): FakeMessage[];
  /** DM channel id per user id */
  dmChannels: Map<string, string>;
  commands: { global: unknown[] | undefined; guilds: Map<string, unknown[]> };
  interactions: Map<string, InteractionRecord>;
  requests: RequestRecord[];
  /** bodies refused with 50035, with Discord's error tree */
  invalid: { path: string; errors: unknown }[];
  stats: {
    rateLimited: number;
    globalRateLimited: number;
    /** requests that arrived while a 429's Retry-After was still running */
    earlyRetries: number;
    /** the most requests seen in any one global window */
    peakPerWindow: number;
    /** creates answered with an earlier message because they repeated its nonce */
    nonceReplays: number;
    /** creates carried out whose answer was dropped (dropAnswerNext) */
    droppedAnswers: number;
  };
  /**
   * The next `times` message creates in `channelId` are carried out, then the connection drops
   * before the answer (a lost response: the client cannot know the message was posted).
   */
  dropAnswerNext(channelId: string, times?: number): void;
  /** While on, every message create is carried out and its answer dropped (a crash in flight). */
  dropAllAnswers(on: boolean): void;
  /** the next `times` message creates in `channelId` get `fault` */
  failNext(channelId: string, fault: ScriptedFault, times?: number): void;
  /** every message create in `channelId` gets `fault` from now on (a 403 or 404 for good) */
  failAlways(channelId: string, fault: ScriptedFault): void;
  /** a user whose DM channel cannot be opened (10013 Unknown User) */
  unknownUser(userId: string): void;
  /** resolves when a client has identified on the gateway */
  identified(): Promise<{ intents: number }>;
  heartbeats: number;
  /** sends a dispatch (op 0) to every gateway client */
  dispatch(event: string, data: unknown): void;
  /** makes an interaction known to the callback endpoint (without sending it) */
  registerInteraction(raw: Record<string, unknown>): InteractionRecord;
  /** registers and dispatches INTERACTION_CREATE */
  sendInteraction(raw: Record<string, unknown>): InteractionRecord;
  /** resolves when `check` holds, re-checked after every request (rejects after `timeoutMs`) */
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const LIMITS = {
  content: 2000,
  embeds: 10,
  total: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  rows: 5,
  buttons: 5,
  label: 80,
  customId: 100,
};

const ERROR_MESSAGES: Record<number, string> = {
  10003: "Unknown Channel",
  10004: "Unknown Guild",
  10013: "Unknown User",
  10015: "Unknown Webhook",
  10062: "Unknown interaction",
  40060: "Interaction has already been acknowledged.",
  50001: "Missing Access",
  50007: "Cannot send messages to this user",
  50013: "Missing Permissions",
  50035: "Invalid Form Body",
};

type ErrorTree = { [key: string]: ErrorTree | { code: string; message: string }[] };

/** Builds Discord's nested `errors` object, e.g. embeds.0.description._errors. */
function addError(tree: ErrorTree, path: (string | number)[], code: string, message: string) {
  let node = tree;
  for (const key of path) {
    const k = String(key);
    node[k] ??= {};
    node = node[k] as ErrorTree;
  }
  node._errors ??= [];
  (node._errors as { code: string; message: string }[]).push({ code, message });
}

/** Checks a message body as Discord does; returns the error tree, or undefined when valid. */
export function validateMessageBody(input: object): ErrorTree | undefined {
  const body = input as MessageBody;
  const errors: ErrorTree = {};
  const max = (path: (string | number)[], value: string | undefined, limit: number) => {
    if (value === undefined) return;
    if (typeof value !== "string" || value.length === 0 || value.length > limit) {
      addError(errors, path, "BASE_TYPE_BAD_LENGTH", `Must be between 1 and ${limit} in length.`);
    }
  };
  max(["content"], body.content === "" ? undefined : body.content, LIMITS.content);
  if (typeof body.nonce === "string") max(["nonce"], body.nonce, 25);
  const embeds = body.embeds ?? [];
  if (embeds.length > LIMITS.embeds) {
    addError(
      errors,
      ["embeds"],
      "BASE_TYPE_MAX_LENGTH",
      `Must be ${LIMITS.embeds} or fewer in length.`,
    );
  }
  let total = 0;
  embeds.forEach((e, i) => {
    max(["embeds", i, "title"], e.title, LIMITS.title);
    max(["embeds", i, "description"], e.description, LIMITS.description);
    max(["embeds", i, "footer", "text"], e.footer?.text, LIMITS.footer);
    max(["embeds", i, "author", "name"], e.author?.name, LIMITS.author);
    if (e.url !== undefined && !/^https?:\/\//.test(e.url)) {
      addError(errors, ["embeds", i, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.");
    }
    const fields = e.fields ?? [];
    if (fields.length > LIMITS.fields) {
      addError(
        errors,
        ["embeds", i, "fields"],
        "BASE_TYPE_MAX_LENGTH",
        "Must be 25 or fewer in length.",
      );
    }
    fields.forEach((f, j) => {
      max(["embeds", i, "fields", j, "name"], f.name ?? "", LIMITS.fieldName);
      max(["embeds", i, "fields", j, "value"], f.value ?? "", LIMITS.fieldValue);
    });
    total +=
      (e.title?.length ?? 0) +
      (e.description?.length ?? 0) +
      (e.footer?.text?.length ?? 0) +
      (e.author?.name?.length ?? 0) +
      fields.reduce((n, f) => n + (f.name?.length ?? 0) + (f.value?.length ?? 0), 0);
    if (!e.title && !e.description && !fields.length && !e.footer?.text && !e.author?.name) {
      addError(errors, ["embeds", i], "EMBED_EMPTY", "Embed must not be empty.");
    }
  });
  if (total > LIMITS.total) {
    addError(
      errors,
      ["embeds"],
      "MAX_EMBED_SIZE_EXCEEDED",
      "Embed size exceeds maximum size of 6000",
    );
  }
  const rows = body.components ?? [];
  if (rows.length > LIMITS.rows) {
    addError(errors, ["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.");
  }
  rows.forEach((row, i) => {
    if (row.type !== 1 || row.components.length === 0 || row.components.length > LIMITS.buttons) {
      addError(errors, ["components", i], "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Invalid action row.");
    }
    row.components.forEach((b, j) => {
      const label = b.label as string | undefined;
      if (label !== undefined && (label.length === 0 || label.length > LIMITS.label)) {
        addError(
          errors,
          ["components", i, "components", j, "label"],
          "BASE_TYPE_BAD_LENGTH",
          "Must be between 1 and 80 in length.",
        );
      }
      const link = b.style === 5;
      const customId = b.custom_id as string | undefined;
      if (link ? !b.url || customId : !customId || customId.length > LIMITS.customId) {
        addError(
          errors,
          ["components", i, "components", j],
          "COMPONENT_INVALID",
          "Invalid button.",
        );
      }
    });
  });
  if (!body.content && embeds.length === 0 && rows.length === 0) {
    addError(errors, ["content"], "BASE_TYPE_REQUIRED", "Cannot send an empty message");
  }
  return Object.keys(errors).length ? errors : undefined;
}

/** What a message would have pinged, given its allowed_mentions (absent: everything parses). */
function mentionsOf(body: MessageBody): string[] {
  const text = [body.content ?? ""].join("\n");
  const parse = body.allowed_mentions
    ? (body.allowed_mentions.parse ?? [])
    : ["everyone", "users", "roles"];
  const out: string[] = [];
  if (parse.includes("everyone") && /@(everyone|here)/.test(text)) out.push("everyone");
  const users = [...text.matchAll(/<@!?(\d+)>/g)].map((m) => m[1] ?? "");
  const roles = [...text.matchAll(/<@&(\d+)>/g)].map((m) => `role:${m[1] ?? ""}`);
  if (parse.includes("users")) out.push(...users);
  else out.push(...users.filter((u) => body.allowed_mentions?.users?.includes(u)));
  if (parse.includes("roles")) out.push(...roles);
  return out;
}

let snowflakeCounter = 0;
/** Discord-shaped ids (64-bit, time-ordered). */
export function snowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1) % 4096;
  return ((BigInt(Date.now() - 1420070400000) << 22n) | BigInt(snowflakeCounter)).toString();
}

async function readMultipart(raw: Buffer, type: string): Promise<unknown> {
  const form = await new Request("http://fake/", {
    method: "POST",
    headers: { "content-type": type },
    body: raw,
  }).formData();
  const payload = form.get("payload_json");
  const body = (typeof payload === "string" ? JSON.parse(payload) : {}) as MessageBody;
  const files: UploadedFile[] = [];
  for (const [key, value] of form) {
    const index = /^files\[(\d+)\]$/.exec(key)?.[1];
    if (index !== undefined && typeof value !== "string") {
      files.push({
        index: Number(index),
        filename: value.name,
        contentType: value.type,
        bytes: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return { ...body, files };
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const type = req.headers["content-type"] ?? "";
      if (type.startsWith("multipart/form-data")) {
        // A message with files: payload_json plus files[n] parts.
        resolve(readMultipart(raw, type).catch(() => Symbol.for("invalid-json") as unknown));
        return;
      }
      const text = raw.toString("utf8");
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(Symbol.for("invalid-json"));
      }
    });
    req.on("error", reject);
  });
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? "fake-discord-token";
  const applicationId = options.applicationId ?? "1234567890123456789";
  const botUserId = options.botUserId ?? applicationId;
  const globalLimit = options.globalLimit ?? 50;
  const channelLimit = options.channelLimit ?? { limit: 5, windowMs: 5000 };

  const messages = new Map<string, FakeMessage[]>();
  const dmChannels = new Map<string, string>();
  const commands = {
    global: undefined as unknown[] | undefined,
    guilds: new Map<string, unknown[]>(),
  };
  const interactions = new Map<string, InteractionRecord>();
  const requests: RequestRecord[] = [];
  const invalid: { path: string; errors: unknown }[] = [];
  const stats = {
    rateLimited: 0,
    globalRateLimited: 0,
    earlyRetries: 0,
    peakPerWindow: 0,
    nonceReplays: 0,
    droppedAnswers: 0,
  };
  const nonceWindowMs = options.nonceWindowMs ?? 5 * 60_000;
  const nonces = new Map<string, { message: FakeMessage; at: number }>();
  const dropAnswers = new Map<string, number>();
  let dropAll = false;
  const scripted = new Map<string, { fault: ScriptedFault; times: number }[]>();
  const unknownUsers = new Set<string>();
  const buckets = new Map<string, { windowStart: number; count: number; blockedUntil: number }>();
  let global = { windowStart: 0, count: 0, blockedUntil: 0 };
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };

  const json = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { "content-type": "application/json" } : {}), ...headers });
    res.end(text);
  };
  const error = (
    res: ServerResponse,
    status: number,
    code: number,
    extra: Record<string, unknown> = {},
  ) => json(res, status, { message: ERROR_MESSAGES[code] ?? "error", code, ...extra });

  /** Discord's per-route headers; every channel shares the route's bucket hash. */
  const bucketHeaders = (b: { windowStart: number; count: number }, now: number) => {
    const resetAt = b.windowStart + channelLimit.windowMs;
    return {
      "x-ratelimit-limit": String(channelLimit.limit),
      "x-ratelimit-remaining": String(Math.max(0, channelLimit.limit - b.count)),
      "x-ratelimit-reset": (resetAt / 1000).toFixed(3),
      "x-ratelimit-reset-after": (Math.max(0, resetAt - now) / 1000).toFixed(3),
      "x-ratelimit-bucket": "fake0channel0messages",
    };
  };

  const rateLimited = (
    res: ServerResponse,
    retryAfter: number,
    isGlobal: boolean,
    headers: Record<string, string>,
  ) => {
    stats.rateLimited++;
    if (isGlobal) stats.globalRateLimited++;
    json(
      res,
      429,
      { message: "You are being rate limited.", retry_after: retryAfter, global: isGlobal },
      {
        ...headers,
        "retry-after": String(retryAfter),
        "x-ratelimit-scope": isGlobal ? "global" : "user",
        ...(isGlobal ? { "x-ratelimit-global": "true" } : {}),
      },
    );
  };

  /** The global limit: a fixed one-second window opened by the first request after the last. */
  const passGlobal = (res: ServerResponse, now: number): boolean => {
    if (globalLimit <= 0) return true;
    if (now < global.blockedUntil) {
      stats.earlyRetries++;
      rateLimited(res, (global.blockedUntil - now) / 1000, true, {});
      return false;
    }
    if (now - global.windowStart >= 1000) global = { windowStart: now, count: 0, blockedUntil: 0 };
    if (global.count >= globalLimit) {
      const retryAfter = (global.windowStart + 1000 - now) / 1000;
      global.blockedUntil = global.windowStart + 1000;
      rateLimited(res, retryAfter, true, {});
      return false;
    }
    global.count++;
    stats.peakPerWindow = Math.max(stats.peakPerWindow, global.count);
    return true;
  };

  const takeFault = (channelId: string): ScriptedFault | undefined => {
    const list = scripted.get(channelId);
    const first = list?.[0];
    if (!first) return undefined;
    if (Number.isFinite(first.times)) {
      first.times--;
      if (first.times <= 0) list.shift();
    }
    return first.fault;
  };

  const createMessage = (channelId: string, body: MessageBody): FakeMessage => {
    const message: FakeMessage = { id: snowflake(), channelId, body, mentions: mentionsOf(body) };
    const list = messages.get(channelId) ?? [];
    list.push(message);
    messages.set(channelId, list);
    return message;
  };

  const messageJson = (m: FakeMessage) => ({
    id: m.id,
    channel_id: m.channelId,
    type: 0,
    content: m.body.content ?? "",
    embeds: m.body.embeds ?? [],
    components: m.body.components ?? [],
    author: {
      id: botUserId,
      username: "sudi",
      discriminator: "0",
      bot: true,
      global_name: null,
      avatar: null,
    },
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: m.mentions.includes("everyone"),
    mentions: [],
    mention_roles: [],
    attachments: attachmentsOf(m),
    pinned: false,
    flags: m.body.flags ?? 0,
  });

  const authorised = (req: IncomingMessage) => req.headers.authorization === `Bot ${token}`;

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ) {
    const method = req.method ?? "GET";
    const now = Date.now();
    const body = await readBody(req);
    if (body === Symbol.for("invalid-json")) return error(res, 400, 50035, { errors: {} });
    /** The route's parameters when `method` and `pattern` match this request. */
    const route = (verb: string, pattern: RegExp) => (method === verb ? pattern.exec(path) : null);

    if (method === "GET" && (path === "/gateway/bot" || path === "/gateway")) {
      if (path === "/gateway/bot" && !authorised(req))
        return json(res, 401, { message: "401: Unauthorized", code: 0 });
      return json(res, 200, {
        url: gatewayUrl,
        shards: 1,
        session_start_limit: {
          total: 1000,
          remaining: 999,
          reset_after: 86_400_000,
          max_concurrency: 1,
        },
      });
    }

    // Interaction responses: no bot token, not under the global limit.
    const callback = route("POST", /^\/interactions\/(\d+)\/([^/]+)\/callback$/);
    if (callback) {
      const m = callback;
      const record = interactions.get(m[1] ?? "");
      if (!record || record.token !== m[2]) return error(res, 404, 10062);
      const cb = body as {
        type: number;
        data?: MessageBody & { choices?: { name: string; value: unknown }[] };
        /** files uploaded with the response (multipart), which belong to its data */
        files?: UploadedFile[];
      };
      if (cb?.data && cb.files?.length) cb.data = { ...cb.data, files: cb.files };
      const entry = { type: cb?.type, data: cb?.data, at: now, accepted: false };
      record.callbacks.push(entry);
      if (record.acknowledged) return error(res, 400, 40060);
      if (cb?.type === 4 || cb?.type === 7) {
        const errors = validateMessageBody(cb.data ?? {}) ?? validateUploads(cb.data ?? {});
        if (errors) {
          invalid.push({ path, errors });
          return error(res, 400, 50035, { errors: { data: errors } });
        }
        record.original = cb.data;
      } else if (cb?.type === 8) {
        const choices = cb.data?.choices ?? [];
        const bad =
          choices.length > 25 ||
          choices.some((c) => !c.name || c.name.length > 100 || String(c.value).length > 100);
        if (bad) {
          invalid.push({ path, errors: { data: { choices: "invalid" } } });
          return error(res, 400, 50035, { errors: { data: { choices: { _errors: [] } } } });
        }
      } else if (cb?.type !== 5 && cb?.type !== 6) {
        return error(res, 400, 50035, { errors: { type: { _errors: [] } } });
      }
      entry.accepted = true;
      record.acknowledged = true;
      if (query.get("with_response") === "true") {
        return json(res, 200, {
          interaction: { id: record.id, type: record.raw.type },
          resource: { type: cb.type },
        });
      }
      return json(res, 204);
    }
    const webhook = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/.exec(path);
    if (webhook) {
      const m = webhook;
      const record = [...interactions.values()].find((r) => r.token === m[2]);
      if (!record || m[1] !== applicationId || !record.acknowledged) return error(res, 404, 10015);
      const payload = (body ?? {}) as MessageBody;
      const errors = validateMessageBody(payload) ?? validateUploads(payload);
      if (errors) {
        invalid.push({ path, errors });
        return error(res, 400, 50035, { errors });
      }
      const message: FakeMessage = {
        id: snowflake(),
        channelId: "",
        body: payload,
        mentions: mentionsOf(payload),
      };
      if (m[3] && method === "PATCH") record.original = payload;
      else if (!m[3] && method === "POST") record.followUps.push(payload);
      else return json(res, 405, { message: "405: Method Not Allowed", code: 0 });
      return json(res, 200, messageJson(message));
    }

    if (!authorised(req)) return json(res, 401, { message: "401: Unauthorized", code: 0 });
    if (!passGlobal(res, now)) return;

    const channelMessages = route("POST", /^\/channels\/(\d+)\/messages$/);
    if (channelMessages) {
      const channelId = channelMessages[1] ?? "";
      let bucket = buckets.get(channelId);
      if (!bucket || now - bucket.windowStart >= channelLimit.windowMs) {
        bucket = { windowStart: now, count: 0, blockedUntil: bucket?.blockedUntil ?? 0 };
        buckets.set(channelId, bucket);
      }
      if (now < bucket.blockedUntil) {
        stats.earlyRetries++;
        return rateLimited(
          res,
          (bucket.blockedUntil - now) / 1000,
          false,
          bucketHeaders(bucket, now),
        );
      }
      const fault = takeFault(channelId);
      if (fault?.status === 429) {
        bucket.blockedUntil = now + fault.retryAfter * 1000;
        if (fault.global) global.blockedUntil = bucket.blockedUntil;
        const headers = fault.global
          ? {}
          : {
              ...bucketHeaders(bucket, now),
              "x-ratelimit-remaining": "0",
              "x-ratelimit-reset-after": String(fault.retryAfter),
            };
        return rateLimited(res, fault.retryAfter, fault.global ?? false, headers);
      }
      if (fault && fault.status >= 500)
        return json(res, fault.status, { message: "Internal Server Error", code: 0 });
      if (fault && "code" in fault) return error(res, fault.status, fault.code);
      if (bucket.count >= channelLimit.limit) {
        const resetAt = bucket.windowStart + channelLimit.windowMs;
        bucket.blockedUntil = resetAt;
        return rateLimited(res, (resetAt - now) / 1000, false, bucketHeaders(bucket, now));
      }
      const payload = (body ?? {}) as MessageBody;
      const errors = validateMessageBody(payload) ?? validateUploads(payload);
      if (errors) {
        invalid.push({ path, errors });
        return error(res, 400, 50035, { errors });
      }
      bucket.count++;
      const nonceKey =
        payload.nonce !== undefined && payload.enforce_nonce
          ? `${channelId}|${payload.nonce}`
          : undefined;
      const earlier = nonceKey ? nonces.get(nonceKey) : undefined;
      if (earlier && now - earlier.at < nonceWindowMs) {
        stats.nonceReplays++;
        return json(res, 200, messageJson(earlier.message), bucketHeaders(bucket, now));
      }
      const message = createMessage(channelId, payload);
      if (nonceKey) nonces.set(nonceKey, { message, at: now });
      const drops = dropAnswers.get(channelId) ?? 0;
      if (drops > 0 || dropAll) {
        if (drops > 0) dropAnswers.set(channelId, drops - 1);
        stats.droppedAnswers++;
        requests.push({ method, path, status: 0, at: now });
        notify();
        req.socket.destroy();
        return;
      }
      return json(res, 200, messageJson(message), bucketHeaders(bucket, now));
    }

    if (path === "/users/@me/channels" && method === "POST") {
      const recipient = String((body as { recipient_id?: unknown })?.recipient_id ?? "");
      if (!/^\d+$/.test(recipient))
        return error(res, 400, 50035, { errors: { recipient_id: { _errors: [] } } });
      if (unknownUsers.has(recipient)) return error(res, 404, 10013);
      let id = dmChannels.get(recipient);
      if (!id) {
        id = snowflake();
        dmChannels.set(recipient, id);
      }
      return json(res, 200, {
        id,
        type: 1,
        last_message_id: null,
        flags: 0,
        recipients: [
          {
            id: recipient,
            username: `user${recipient.slice(-4)}`,
            discriminator: "0",
            global_name: null,
            avatar: null,
          },
        ],
      });
    }

    // The bot's own user: what a token check (sudi doctor) asks for.
    if (path === "/users/@me" && method === "GET") {
      return json(res, 200, {
        id: botUserId,
        username: "sudi",
        discriminator: "0",
        global_name: null,
        avatar: null,
        bot: true,
      });
    }

    const m = route("PUT", /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/);
    if (m) {
      if (m[1] !== applicationId) return error(res, 403, 50001);
      const list = body as Record<string, unknown>[];
      const errors = validateCommands(list);
      if (errors) {
        invalid.push({ path, errors });
        return error(res, 400, 50035, { errors });
      }
      const stored = list.map((c) => ({
        id: snowflake(),
        application_id: applicationId,
        version: snowflake(),
        default_member_permissions: null,
        ...c,
        ...(m?.[2] ? { guild_id: m[2] } : {}),
      }));
      if (m[2]) commands.guilds.set(m[2], stored);
      else commands.global = stored;
      return json(res, 200, stored);
    }

    return json(res, 404, { message: "404: Not Found", code: 0 });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let pathname = url.pathname;
    try {
      pathname = decodeURIComponent(pathname); // "@original" arrives as "%40original"
    } catch {}
    const match = /^\/api\/v10(\/.*)$/.exec(pathname);
    const record: RequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      status: 0,
      at: Date.now(),
    };
    res.on("finish", () => {
      record.status = res.statusCode;
      requests.push(record);
      notify();
    });
    const run = () => {
      if (!match) return json(res, 404, { message: "404: Not Found", code: 0 });
      handle(req, res, match[1] ?? "", url.searchParams).catch((e: unknown) => {
        json(res, 500, { message: String(e), code: 0 });
      });
    };
    if (options.latencyMs) setTimeout(run, options.latencyMs);
    else run();
  });

  // -------------------------------------------------------------------------------------------
  // Gateway

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  let seq = 0;
  let heartbeats = 0;
  let identifiedResolve: (v: { intents: number }) => void = () => {};
  let identifiedPromise = new Promise<{ intents: number }>((r) => {
    identifiedResolve = r;
  });
  server.on("upgrade", (req, socket, head) => {
    if (!(req.url ?? "").startsWith("/gateway")) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws));
  });
  wss.on("connection", (ws: WebSocket) => {
    const send = (payload: unknown) =>
      ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(payload));
    send({
      op: 10,
      d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 },
      s: null,
      t: null,
    });
    ws.on("message", (data) => {
      let payload: { op: number; d: Record<string, unknown> | number | null };
      try {
        payload = JSON.parse(String(data));
      } catch {
        return ws.close(4002, "Decode error");
      }
      if (payload.op === 1) {
        heartbeats++;
        send({ op: 11, d: null, s: null, t: null });
      } else if (payload.op === 2) {
        const d = payload.d as { token?: string; intents?: number };
        if (d.token !== token) return ws.close(4004, "Authentication failed.");
        sockets.add(ws);
        seq++;
        send({
          op: 0,
          s: seq,
          t: "READY",
          d: {
            v: 10,
            user: {
              id: botUserId,
              username: "sudi",
              discriminator: "0",
              global_name: null,
              avatar: null,
              bot: true,
              flags: 0,
            },
            guilds: [],
            session_id: randomUUID().replace(/-/g, ""),
            resume_gateway_url: gatewayUrl,
            shard: [0, 1],
            application: { id: applicationId, flags: 0 },
            private_channels: [],
            relationships: [],
            presences: [],
            user_settings: {},
            guild_join_requests: [],
            geo_ordered_rtc_regions: [],
          },
        });
        identifiedResolve({ intents: d.intents ?? 0 });
      } else if (payload.op === 6) {
        send({ op: 9, d: false, s: null, t: null });
      }
    });
    ws.on("close", () => sockets.delete(ws));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const apiRoot = `http://127.0.0.1:${port}/api`;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;

  const registerInteraction = (raw: Record<string, unknown>): InteractionRecord => {
    const record: InteractionRecord = {
      id: String(raw.id),
      token: String(raw.token),
      raw,
      dispatchedAt: Date.now(),
      callbacks: [],
      acknowledged: false,
      followUps: [],
    };
    interactions.set(record.id, record);
    return record;
  };

  const dispatch = (event: string, data: unknown) => {
    seq++;
    for (const ws of sockets) ws.send(JSON.stringify({ op: 0, s: seq, t: event, d: data }));
  };

  return {
    apiRoot,
    gatewayUrl,
    token,
    applicationId,
    messages,
    messagesIn: (channelId) => messages.get(channelId) ?? [],
    dmChannels,
    commands,
    interactions,
    requests,
    invalid,
    stats,
    failNext: (channelId, fault, times = 1) => {
      const list = scripted.get(channelId) ?? [];
      list.push({ fault, times });
      scripted.set(channelId, list);
    },
    dropAllAnswers: (on) => {
      dropAll = on;
    },
    dropAnswerNext: (channelId, times = 1) => {
      dropAnswers.set(channelId, (dropAnswers.get(channelId) ?? 0) + times);
    },
    failAlways: (channelId, fault) => {
      scripted.set(channelId, [{ fault, times: Number.POSITIVE_INFINITY }]);
    },
    unknownUser: (userId) => {
      unknownUsers.add(userId);
    },
    identified: () => identifiedPromise,
    get heartbeats() {
      return heartbeats;
    },
    dispatch,
    registerInteraction,
    sendInteraction: (raw) => {
      const record = registerInteraction(raw);
      dispatch("INTERACTION_CREATE", raw);
      return record;
    },
    waitFor: (check, timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        if (check()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error("fake Discord: condition not met in time"));
        }, timeoutMs);
        const waiter = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      }),
    close: async () => {
      for (const ws of sockets) ws.terminate();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      identifiedPromise = new Promise((r) => {
        identifiedResolve = r;
      });
    },
  };
}

/** Discord's checks on an application command list (names, descriptions, options). */
function validateCommands(list: unknown): ErrorTree | undefined {
  const errors: ErrorTree = {};
  if (!Array.isArray(list)) {
    addError(errors, [], "BASE_TYPE_ARRAY", "Must be an array.");
    return errors;
  }
  if (list.length > 100)
    addError(errors, [], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
  const name = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;
  const seen = new Set<string>();
  list.forEach((c: Record<string, unknown>, i) => {
    if (typeof c.name !== "string" || !name.test(c.name))
      addError(errors, [i, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
    if (seen.has(String(c.name)))
      addError(
        errors,
        [i, "name"],
        "APPLICATION_COMMANDS_DUPLICATE_NAME",
        "Application command names must be unique",
      );
    seen.add(String(c.name));
    const d = c.description;
    if (typeof d !== "string" || d.length < 1 || Array.from(d).length > 100)
      addError(
        errors,
        [i, "description"],
        "BASE_TYPE_BAD_LENGTH",
        "Must be between 1 and 100 in length.",
      );
    const options = (c.options ?? []) as Record<string, unknown>[];
    if (options.length > 25)
      addError(errors, [i, "options"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    let optionalSeen = false;
    options.forEach((o, j) => {
      if (typeof o.name !== "string" || !name.test(o.name))
        addError(
          errors,
          [i, "options", j, "name"],
          "APPLICATION_COMMAND_INVALID_NAME",
          "Option name is invalid",
        );
      const od = o.description;
      if (typeof od !== "string" || od.length < 1 || Array.from(od).length > 100)
        addError(
          errors,
          [i, "options", j, "description"],
          "BASE_TYPE_BAD_LENGTH",
          "Must be between 1 and 100 in length.",
        );
      if (o.required && optionalSeen)
        addError(
          errors,
          [i, "options", j, "required"],
          "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
          "Required options must be placed before non-required options",
        );
      if (!o.required) optionalSeen = true;
      const choices = (o.choices ?? []) as unknown[];
      if (o.autocomplete && choices.length)
        addError(
          errors,
          [i, "options", j, "autocomplete"],
          "AUTOCOMPLETE_CHOICES",
          "Autocomplete may not be set with choices",
        );
      if (choices.length > 25)
        addError(
          errors,
          [i, "options", j, "choices"],
          "BASE_TYPE_MAX_LENGTH",
          "Must be 25 or fewer in length.",
        );
    });
  });
  return Object.keys(errors).length ? errors : undefined;
}

// ---------------------------------------------------------------------------------------------
// Gateway payload builders (real-shaped, for tests)

/** A GUILD_CREATE payload with text channels, as the gateway sends it to a bot with Guilds. */
export function guildCreate(guild: {
  id: string;
  name: string;
  channels: { id: string; name: string }[];
}) {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: "100000000000000001",
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 1,
    default_message_notifications: 1,
    explicit_content_filter: 2,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    system_channel_id: guild.channels[0]?.id ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    preferred_locale: "zh-CN",
    features: [],
    max_members: 500000,
    max_video_channel_users: 25,
    application_id: null,
    roles: [
      {
        id: guild.id,
        name: "@everyone",
        permissions: "2222085186636353",
        position: 0,
        color: 0,
        colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
        hoist: false,
        managed: false,
        mentionable: false,
        icon: null,
        unicode_emoji: null,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: 3,
    voice_states: [],
    members: [],
    channels: guild.channels.map((c, position) => ({
      id: c.id,
      type: 0,
      name: c.name,
      position,
      parent_id: null,
      topic: null,
      nsfw: false,
      last_message_id: null,
      rate_limit_per_user: 0,
      permission_overwrites: [],
      flags: 0,
    })),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    lazy: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Sample messages (shaped like sudi's digests: header, chapter headings, full cards, footer)

export interface SamplePaper {
  id: string;
  title: string;
  abstract: string;
  headline_zh?: string | null;
  chapter?: string | null;
}

function sentence(text: string, index: number, max: number): string {
  const parts = text.split(/(?<=\.)\s+/);
  const s = parts[index % parts.length] ?? text;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A full-density card block for `paper`, as the digest builder lays it out. */
export function sampleCard(paper: SamplePaper): Block {
  const abs = `https://arxiv.org/abs/${paper.id}`;
  return {
    kind: "card",
    paperId: paper.id,
    title: [{ text: paper.headline_zh ?? paper.title, href: abs }],
    lines: [
      [{ text: paper.title, italic: true }],
      [{ text: "💡 一句话：" }, { text: sentence(paper.abstract, 0, 120) }],
      [{ text: "🎯 动机：" }, { text: sentence(paper.abstract, 1, 200) }],
      [{ text: "🛠 方法：" }, { text: sentence(paper.abstract, 2, 240) }],
      [{ text: "📈 效果：" }, { text: sentence(paper.abstract, 3, 240) }],
      [{ text: `🏷 #${paper.chapter ?? "其他"} · 推荐 ★★★★☆` }],
      [
        { text: "🔗 " },
        { text: "arXiv", href: abs },
        { text: " · " },
        { text: "PDF", href: `https://arxiv.org/pdf/${paper.id}` },
      ],
    ],
  };
}

/** A digest of `papers`: a header, a chapter heading before each chapter's cards, a footer. */
export function sampleDigest(papers: SamplePaper[], date = "2024-04-24"): RichMessage {
  const blocks: Block[] = [
    {
      kind: "heading",
      title: [{ text: `📚 论文速递 · ${date}`, bold: true }],
      lines: [[{ text: `订阅：文生视频、智能体(Agent) · 共 ${papers.length} 篇` }]],
    },
  ];
  let chapter: string | undefined;
  for (const p of papers) {
    if ((p.chapter ?? "其他") !== chapter) {
      chapter = p.chapter ?? "其他";
      blocks.push({ kind: "heading", title: [{ text: chapter, bold: true }], lines: [] });
    }
    blocks.push(sampleCard(p));
  }
  blocks.push({
    kind: "footer",
    lines: [[{ text: "用 /subscribe 添加主题，/list 查看订阅，/pause 暂停推送" }]],
  });
  return { blocks };
}
