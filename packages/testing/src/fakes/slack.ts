/**
 * A fake Slack Web API for `@slack/web-api`'s `WebClient` (`slackApiUrl: fake.apiUrl`):
 * `auth.test`, `chat.postMessage`, and the file upload flow (`files.getUploadURLExternal`, the
 * upload URL, `files.completeUploadExternal`). Answers as Slack does: HTTP 200 with
 * `{ ok: false, error }` for `invalid_auth`, `not_authed`, `channel_not_found`, `no_text`; 429 with
 * `Retry-After` when a fault is scripted.
 *
 * @example
 * const slack = await startFakeSlack({ tokens: ["xoxb-test"], channels: { ops: "C0OPS" } });
 * slack.fail({ path: "/api/chat.postMessage", status: 429, retryAfter: 0 });
 * const client = new WebClient("xoxb-test", { slackApiUrl: slack.apiUrl });
 * await client.chat.postMessage({ channel: "#ops", text: "hi" });
 * slack.messages[0]; // { channel: "C0OPS", text: "hi", ts: "...", ... }
 * await slack.close();
 */
import type { FakeRequest, FakeResponse } from "./server.js";
import { FakeServer, bearerOf, formFields } from "./server.js";

export interface FakeSlackOptions {
  /** Valid bot tokens. Default `["xoxb-test"]`. */
  tokens?: string[];
  /** Channel names (without `#`) to ids. Default `{ general: "C0GENERAL" }`. */
  channels?: Record<string, string>;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  threadTs?: string;
  /** Every argument as received (form fields, JSON values decoded). */
  args: Record<string, unknown>;
}

export interface SlackFile {
  id: string;
  filename: string;
  title?: string;
  bytes?: Buffer;
  /** Set when the upload was completed into a channel. */
  channel?: string;
  initialComment?: string;
  threadTs?: string;
}

export class FakeSlack extends FakeServer {
  readonly messages: SlackMessage[] = [];
  readonly files: SlackFile[] = [];
  readonly tokens: Set<string>;
  readonly channels: Map<string, string>;
  #seq = 0;

  private constructor(options: FakeSlackOptions) {
    super({ errorBody: (status) => (status === 429 ? { ok: false, error: "ratelimited" } : `fake slack: ${status}`) });
    this.tokens = new Set(options.tokens ?? ["xoxb-test"]);
    this.channels = new Map(Object.entries(options.channels ?? { general: "C0GENERAL" }));
    this.router
      .post("/api/:method", (req) => this.#call(req))
      .post("/upload/:fileId", (req) => this.#upload(req));
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await fake.listen();
    return fake;
  }

  /** The `slackApiUrl` for `WebClient` (ends with `/api/`). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async #call(req: FakeRequest): Promise<FakeResponse> {
    const method = req.params.method!;
    const args = decodeArgs(req.body);
    const token = bearerOf(req) ?? (typeof args.token === "string" ? args.token : undefined);
    if (!token) return ok({ ok: false, error: "not_authed" });
    if (!this.tokens.has(token)) return ok({ ok: false, error: "invalid_auth" });
    switch (method) {
      case "auth.test":
        return ok({ ok: true, url: "https://fake.slack.com/", team: "Fake", user: "capstan", team_id: "T0FAKE", user_id: "U0BOT", bot_id: "B0BOT" });
      case "chat.postMessage":
        return ok(this.#postMessage(args));
      case "files.getUploadURLExternal": {
        if (typeof args.filename !== "string" || !args.length) return ok({ ok: false, error: "invalid_arguments" });
        const id = `F${String(++this.#seq).padStart(8, "0")}`;
        this.files.push({ id, filename: args.filename });
        return ok({ ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id });
      }
      case "files.completeUploadExternal":
        return ok(this.#complete(args));
      default:
        return ok({ ok: false, error: "unknown_method" });
    }
  }

  #postMessage(args: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#channel(args.channel);
    if (!channel) return { ok: false, error: "channel_not_found" };
    const blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
    if (typeof args.text !== "string" && !blocks && !args.attachments) return { ok: false, error: "no_text" };
    const ts = this.#ts();
    const message: SlackMessage = { channel, ts, args, ...(typeof args.text === "string" ? { text: args.text } : {}), ...(blocks ? { blocks } : {}), ...(typeof args.thread_ts === "string" ? { threadTs: args.thread_ts } : {}) };
    this.messages.push(message);
    return { ok: true, channel, ts, message: { type: "message", text: args.text ?? "", ts, bot_id: "B0BOT", ...(blocks ? { blocks } : {}), ...(message.threadTs ? { thread_ts: message.threadTs } : {}) } };
  }

  async #upload(req: FakeRequest): Promise<FakeResponse> {
    const file = this.files.find((f) => f.id === req.params.fileId);
    if (!file) return { status: 404, body: "no such upload" };
    const ct = String(req.headers["content-type"] ?? "");
    if (ct.includes("multipart/")) {
      for (const v of (await formFields(req)).values()) if (typeof v !== "string") file.bytes = v.bytes;
    } else {
      file.bytes = req.raw;
    }
    return { status: 200, body: `OK - ${file.bytes?.length ?? 0}` };
  }

  #complete(args: Record<string, unknown>): Record<string, unknown> {
    const list = Array.isArray(args.files) ? (args.files as { id?: string; title?: string }[]) : [];
    if (list.length === 0) return { ok: false, error: "invalid_arguments" };
    let channel: string | undefined;
    if (args.channel_id !== undefined) {
      channel = this.#channel(args.channel_id);
      if (!channel) return { ok: false, error: "channel_not_found" };
    }
    const done = [];
    for (const entry of list) {
      const file = this.files.find((f) => f.id === entry.id);
      if (!file || !file.bytes) return { ok: false, error: "file_not_found" };
      if (entry.title) file.title = entry.title;
      if (channel) file.channel = channel;
      if (typeof args.initial_comment === "string") file.initialComment = args.initial_comment;
      if (typeof args.thread_ts === "string") file.threadTs = args.thread_ts;
      done.push({ id: file.id, name: file.filename, title: file.title ?? file.filename, size: file.bytes.length, permalink: `https://fake.slack.com/files/U0BOT/${file.id}/${file.filename}` });
    }
    return { ok: true, files: done };
  }

  /** `#name`, `name` or an id the fake knows; undefined otherwise. */
  #channel(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const name = value.replace(/^#/, "");
    if (this.channels.has(name)) return this.channels.get(name);
    return [...this.channels.values()].includes(value) ? value : undefined;
  }

  #ts(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.#seq).padStart(6, "0")}`;
  }
}

export function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.start(options);
}

const ok = (body: Record<string, unknown>): FakeResponse => ({ status: 200, body });

/** Form fields arrive as strings; Slack JSON-encodes objects and arrays into them. */
function decodeArgs(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string" && /^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // not JSON: keep the string
      }
    }
    out[k] = v;
  }
  return out;
}
