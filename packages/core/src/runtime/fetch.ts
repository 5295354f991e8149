/**
 * `fetch` with a per-attempt timeout and retries on network errors and retryable statuses,
 * honouring `Retry-After`. Shared by `http.request`, the Vault client and any integration that
 * speaks plain HTTP.
 *
 * @example
 * const { response, attempts } = await fetchWithRetry(url, { method: "GET" }, { retries: 3, timeoutMs: 10_000, signal: ctx.signal });
 */
import { CapstanError } from "../errors.js";

export interface HttpRetryPolicy {
  /** Retries after the first attempt. Default 0. */
  retries?: number;
  /** First backoff delay; doubled each retry. Default 500ms. */
  retryDelayMs?: number;
  /** Cap on any wait, including one asked for by `Retry-After`. Default 30s. */
  maxRetryDelayMs?: number;
  /** Statuses worth retrying. Default 408, 429, 500, 502, 503, 504. */
  retryOn?: readonly number[];
  /** Per attempt, including reading the body. Default 30s. */
  timeoutMs?: number;
  /** Aborts the whole exchange (the step's signal). */
  signal?: AbortSignal;
  /** Told before each wait. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export const DEFAULT_RETRY_ON: readonly number[] = [408, 429, 500, 502, 503, 504];

export interface FetchResult {
  response: Response;
  attempts: number;
}

/** `GET https://host/path`: never the query string or credentials, which may hold secrets. */
export function describeRequest(method: string, url: string | URL): string {
  try {
    const u = new URL(url);
    return `${method} ${u.origin}${u.pathname}`;
  } catch {
    return `${method} ${String(url).replace(/[?#].*$/, "")}`;
  }
}

export async function fetchWithRetry(url: string | URL, init: RequestInit & { method: string }, policy: HttpRetryPolicy = {}): Promise<FetchResult> {
  const retries = policy.retries ?? 0;
  const retryOn = policy.retryOn ?? DEFAULT_RETRY_ON;
  const what = describeRequest(init.method, url);
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = policy.timeoutMs ?? 30_000;
    const signals = [AbortSignal.timeout(timeoutMs), ...(policy.signal ? [policy.signal] : [])];
    let reason: string;
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.any(signals) });
      if (!retryOn.includes(response.status) || attempt > retries) return { response, attempts: attempt };
      reason = `answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      await response.body?.cancel().catch(() => {});
    } catch (err) {
      if (policy.signal?.aborted) throw policy.signal.reason ?? err;
      const failure = requestError(what, err, timeoutMs);
      if (attempt > retries) throw failure;
      reason = failure.message.slice(what.length + 1);
    }
    const backoff = (policy.retryDelayMs ?? 500) * 2 ** (attempt - 1);
    const delayMs = Math.min(retryAfterMs ?? backoff, policy.maxRetryDelayMs ?? 30_000);
    policy.onRetry?.({ attempt, delayMs, reason });
    await sleep(delayMs, policy.signal);
  }
}

/** A network failure or timeout as a CapstanError naming the request (never its query). */
export function requestError(what: string, err: unknown, timeoutMs: number): CapstanError {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") {
    return new CapstanError("CAPSTAN_HTTP_TIMEOUT", `${what} timed out after ${timeoutMs}ms`, {
      hint: "raise the timeout, or check that the server is reachable and healthy",
      retryable: true,
    });
  }
  const detail = e?.cause?.code ?? e?.cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new CapstanError("CAPSTAN_HTTP_UNREACHABLE", `${what} failed: ${detail}`, {
    hint: "check the URL and that the server is reachable from here",
    retryable: true,
    cause: err,
  });
}

/** Seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
