/**
 * The server's HTTP side: `POST /webhooks/<path>` for webhook triggers, `POST /flows/<id>/executions`
 * for manual triggers that have a key, `GET /healthz`. A request is authenticated before its body
 * is read, and nothing starts unless the key matches, the body fits the cap, parses as JSON, and
 * passes the flow's inputs schema.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CapstanError, InputError, type Execution } from "@capstan/core";
import type { LoadedFlow } from "./load.js";
import type { ExecutionRunner, Started } from "./runner.js";
import type { TriggerInfo } from "@capstan/core";
import { keyMatches, requestKey } from "./auth.js";

export interface Endpoint {
  readonly entry: LoadedFlow;
  /** sha256 of the key. */
  readonly key: Buffer;
  readonly wait: boolean;
  readonly maxBodyBytes: number;
  readonly trigger: TriggerInfo;
}

export interface HttpOptions {
  /** By path without the leading slash: `webhooks/release`, `flows/rotate/executions`. */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly runner: ExecutionRunner;
  /** Longest a `wait` request is held before it gets 202 and the id. */
  readonly waitTimeoutMs: number;
  readonly log?: (line: string) => void;
}

interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  issues?: unknown;
}

export function httpHandler(o: HttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(o, req, res).catch((e: unknown) => {
      o.log?.(`http: ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: { code: "CAPSTAN_INTERNAL", message: "the server failed to handle the request" } });
      else res.destroy();
    });
  };
}

async function handle(o: HttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname.replace(/^\/+|\/+$/g, "");
  if (path === "healthz" && (req.method === "GET" || req.method === "HEAD")) {
    return send(res, o.runner.stopping ? 503 : 200, { status: o.runner.stopping ? "stopping" : "ok", running: o.runner.running(), queued: o.runner.queued() });
  }
  const ep = o.endpoints.get(path);
  if (!ep) return fail(res, 404, { code: "CAPSTAN_NOT_FOUND", message: `no webhook or flow endpoint at /${path}`, hint: "webhooks are served at POST /webhooks/<path> as declared by webhook({ path })" });
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    return fail(res, 405, { code: "CAPSTAN_METHOD_NOT_ALLOWED", message: `/${path} accepts POST only` });
  }
  if (o.runner.stopping) return fail(res, 503, { code: "CAPSTAN_SHUTTING_DOWN", message: "the server is shutting down and starts no new executions", hint: "retry against the restarted server" });

  const given = requestKey(req);
  if (given === undefined) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="capstan"');
    return fail(res, 401, { code: "CAPSTAN_UNAUTHENTICATED", message: "this endpoint needs a key", hint: "send it as `Authorization: Bearer <key>` or `X-Capstan-Key: <key>`" });
  }
  if (!keyMatches(given, ep.key)) return fail(res, 403, { code: "CAPSTAN_FORBIDDEN", message: "the key is not valid for this endpoint" });

  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > ep.maxBodyBytes) return tooLarge(res, ep);
  const body = await readBody(req, ep.maxBodyBytes);
  if (body === undefined) return tooLarge(res, ep);

  let inputs: unknown = {};
  const text = body.toString("utf8").trim();
  if (text) {
    try {
      inputs = JSON.parse(text);
    } catch (e) {
      return fail(res, 400, { code: "CAPSTAN_BAD_JSON", message: `the body is not valid JSON: ${(e as Error).message}`, hint: "send the flow's inputs as a JSON object" });
    }
  }
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
    return fail(res, 400, { code: "CAPSTAN_BAD_JSON", message: `the body must be a JSON object of the flow's inputs, got ${Array.isArray(inputs) ? "an array" : inputs === null ? "null" : typeof inputs}`, hint: "send the flow's inputs as a JSON object" });
  }

  let started: Started;
  try {
    started = await o.runner.start({ entry: ep.entry, inputs, trigger: ep.trigger });
  } catch (e) {
    if (e instanceof InputError) return fail(res, 400, { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), issues: e.issues });
    if (e instanceof CapstanError && e.code === "CAPSTAN_SHUTTING_DOWN") return fail(res, 503, { code: e.code, message: e.message });
    throw e;
  }
  const base = { executionId: started.executionId, flowId: started.flowId };
  if (started.rejected) return send(res, 429, { ...base, state: started.state, error: started.rejected });
  const waitParam = url.searchParams.get("wait");
  const wait = waitParam === null ? ep.wait : waitParam === "" || waitParam === "true" || waitParam === "1";
  if (!wait) return send(res, 202, { ...base, state: started.state });
  let timer: NodeJS.Timeout | undefined;
  const ex = await Promise.race([started.done, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), o.waitTimeoutMs)))]);
  clearTimeout(timer);
  if (ex === "timeout" || ex === undefined) return send(res, 202, { ...base, state: ex === "timeout" ? "RUNNING" : "INTERRUPTED" });
  return send(res, 200, finished(ex));
}

function finished(ex: Execution): Record<string, unknown> {
  return { executionId: ex.id, flowId: ex.flowId, state: ex.state, durationMs: ex.durationMs, ...(ex.state === "SUCCESS" ? { outputs: ex.outputs ?? null } : {}), ...(ex.error ? { error: ex.error } : {}) };
}

/** The body, or undefined once it passes `max` bytes (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function tooLarge(res: ServerResponse, ep: Endpoint): void {
  fail(res, 413, { code: "CAPSTAN_BODY_TOO_LARGE", message: `the body is larger than this endpoint's limit of ${ep.maxBodyBytes} bytes`, hint: "send less, or raise maxBodyBytes on the webhook trigger" });
}

function fail(res: ServerResponse, status: number, error: ErrorBody): void {
  send(res, status, { error });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // A body left unread (rejected before reading it) is not drained: the connection closes instead.
  if (!res.req.complete) res.setHeader("Connection", "close");
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
