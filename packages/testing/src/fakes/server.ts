/**
 * The base of every fake: an HTTP server on 127.0.0.1 (ephemeral port) with a small router, a
 * record of every request it received, and scripted faults (a status such as 429 with
 * `Retry-After`, or 5xx, for the next N matching requests, optionally after a delay). Tests start
 * it, point a real client at `url`, and close it.
 *
 * @example
 * const fake = await startFakeServer((r) => r.get("/ping", () => ({ status: 200, body: { ok: true } })));
 * fake.fail({ path: "/ping", status: 503, times: 2 });
 * // ... run the client against fake.url ...
 * expect(fake.requests.filter((q) => q.path === "/ping")).toHaveLength(3);
 * await fake.close();
 */
import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  readonly method: string;
  /** Path without the query string, percent-decoded per segment. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** JSON, form fields (urlencoded) as an object, or text; undefined when empty. */
  readonly body: unknown;
  readonly raw: Buffer;
  /** Values of `:name` and `*name` segments of the matched route. */
  readonly params: Record<string, string>;
}

export interface RecordedRequest extends Omit<FakeRequest, "params"> {
  readonly time: number;
  /** The status the fake answered with. */
  status?: number;
  /** Answered by a scripted fault. */
  faulted?: boolean;
}

export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and bytes as they are. */
  body?: unknown;
}

export type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface FaultSpec {
  method?: string;
  /** Exact path, or a pattern. Default: every path. */
  path?: string | RegExp;
  status: number;
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  headers?: Record<string, string>;
  /** Default: the fake's usual error body for the status. */
  body?: unknown;
  /** Wait before answering (simulates a slow server; tests use a few ms). */
  delayMs?: number;
}

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export class Router {
  readonly routes: Route[] = [];
  on(method: string, pattern: string, handler: Handler): this {
    this.routes.unshift({ method: method.toUpperCase(), segments: pattern.split("/").filter(Boolean), handler });
    return this;
  }
  get(pattern: string, handler: Handler): this {
    return this.on("GET", pattern, handler);
  }
  post(pattern: string, handler: Handler): this {
    return this.on("POST", pattern, handler);
  }
  put(pattern: string, handler: Handler): this {
    return this.on("PUT", pattern, handler);
  }
  patch(pattern: string, handler: Handler): this {
    return this.on("PATCH", pattern, handler);
  }
  delete(pattern: string, handler: Handler): this {
    return this.on("DELETE", pattern, handler);
  }
  /** Any method, any path: a fallback. */
  any(handler: Handler): this {
    this.routes.push({ method: "*", segments: ["*rest"], handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string>; methodMismatch: boolean } | undefined {
    const parts = path.split("/").filter(Boolean);
    let methodMismatch = false;
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.method !== "*" && r.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { handler: r.handler, params, methodMismatch: false };
    }
    return methodMismatch ? { handler: () => ({ status: 405 }), params: {}, methodMismatch: true } : undefined;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith("*")) {
      params[p.slice(1)] = parts.slice(i).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (p.startsWith(":")) params[p.slice(1)] = part;
    else if (p !== part) return undefined;
  }
  return parts.length === pattern.length ? params : undefined;
}

export interface FakeServerOptions {
  /** The error body for a status (faults without a body, unknown routes). */
  errorBody?: (status: number, req: FakeRequest) => unknown;
  /** Default 404 answer for unknown routes. */
  notFound?: Handler;
}

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  readonly router = new Router();
  readonly #faults: (FaultSpec & { left: number })[] = [];
  readonly #server: Server;
  readonly #options: FakeServerOptions;
  #url = "";

  protected constructor(options: FakeServerOptions = {}) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake server error: ${err instanceof Error ? err.stack : String(err)}`);
      });
    });
  }

  /** Starts a fake with the routes `setup` registers (see `startFakeServer`). */
  static async create(setup: (router: Router) => void, options: FakeServerOptions = {}): Promise<FakeServer> {
    const fake = new FakeServer(options);
    setup(fake.router);
    await fake.listen();
    return fake;
  }

  /** `http://127.0.0.1:<port>` (no trailing slash). */
  get url(): string {
    return this.#url;
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The next `times` requests matching get `status` (with `Retry-After` when given). */
  fail(spec: FaultSpec): this {
    this.#faults.push({ ...spec, left: spec.times ?? 1 });
    return this;
  }

  /** Drops scripted faults that have not fired yet. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Requests whose path matches, in order. */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => (typeof path === "string" ? r.path === path : path.test(r.path)) && (!method || r.method === method.toUpperCase()));
  }

  /** Lets the process exit while the fake is still open (demos; tests close it instead). */
  unref(): this {
    this.#server.unref();
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const u = new URL(req.url ?? "/", "http://fake");
    const path = u.pathname.split("/").map((s) => safeDecode(s)).join("/");
    const method = (req.method ?? "GET").toUpperCase();
    const base = { method, path, query: u.searchParams, headers: req.headers, body: parseBody(raw, req.headers["content-type"]), raw };
    const record: RecordedRequest = { ...base, time: Date.now() };
    this.requests.push(record);

    const fault = this.#faults.find((f) => f.left > 0 && (!f.method || f.method.toUpperCase() === method) && (f.path === undefined || (typeof f.path === "string" ? f.path === path : f.path.test(path))));
    let answer: FakeResponse;
    if (fault) {
      fault.left--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      record.faulted = true;
      answer = {
        status: fault.status,
        headers: { ...(fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {}), ...fault.headers },
        body: fault.body ?? this.#options.errorBody?.(fault.status, { ...base, params: {} }) ?? { error: `fault ${fault.status}` },
      };
    } else {
      const m = this.router.match(method, path);
      const request = { ...base, params: m?.params ?? {} };
      if (m) answer = await m.handler(request);
      else if (this.#options.notFound) answer = await this.#options.notFound(request);
      else answer = { status: 404, body: this.#options.errorBody?.(404, request) ?? { error: "not found" } };
    }
    record.status = answer.status ?? 200;
    send(res, answer);
  }
}

/** A fake with your own routes: for any JSON API a flow calls. */
export function startFakeServer(setup: (router: Router) => void, options: FakeServerOptions = {}): Promise<FakeServer> {
  return FakeServer.create(setup, options);
}

function send(res: ServerResponse, answer: FakeResponse): void {
  const headers: Record<string, string> = { ...answer.headers };
  let payload: Buffer | string | undefined;
  if (answer.body === undefined || answer.body === null) payload = undefined;
  else if (typeof answer.body === "string") {
    payload = answer.body;
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (answer.body instanceof Uint8Array) {
    payload = Buffer.from(answer.body);
    headers["content-type"] ??= "application/octet-stream";
  } else {
    payload = JSON.stringify(answer.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  res.writeHead(answer.status ?? 200, headers);
  res.end(payload);
}

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const ct = (contentType ?? "").toLowerCase();
  if (ct.includes("json")) {
    try {
      return JSON.parse(raw.toString("utf8"));
    } catch {
      return raw.toString("utf8");
    }
  }
  if (ct.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
  if (ct.includes("multipart/")) return undefined;
  return raw.toString("utf8");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Multipart form fields of a request (files as bytes), parsed by the platform's own parser. */
export async function formFields(req: FakeRequest): Promise<Map<string, string | { name: string; bytes: Buffer }>> {
  const ct = String(req.headers["content-type"] ?? "");
  const form = await new Response(new Uint8Array(req.raw), { headers: { "content-type": ct } }).formData();
  const out = new Map<string, string | { name: string; bytes: Buffer }>();
  for (const [k, v] of form) out.set(k, typeof v === "string" ? v : { name: v.name, bytes: Buffer.from(await v.arrayBuffer()) });
  return out;
}

/** The bearer (or `token`) credential of a request, if any. */
export function bearerOf(req: FakeRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^(?:bearer|token)\s+(.+)$/i.exec(h);
  return m?.[1]?.trim();
}
