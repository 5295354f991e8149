/**
 * The GitHub connection every task shares: token, API base URL (GitHub Enterprise:
 * `https://ghe.example.com/api/v3`) and retry policy from the task's parameters, else the run's
 * `services.github`, else the environment (`GITHUB_TOKEN` secret, `GITHUB_API_URL`). Requests go
 * through Octokit; a hook retries rate limits (429, or 403 with `x-ratelimit-remaining: 0`, after
 * `Retry-After` or the reset time) and 5xx answers, and errors become CapstanErrors that say what
 * to fix.
 */
import { z } from "zod";
import { Octokit } from "@octokit/rest";
import { CapstanError, isSecretRef, toMs } from "@capstan/core";
import type { SecretRef, TaskContext } from "@capstan/core";

const duration = z.union([z.number().nonnegative(), z.string()]);

export const GitHubConnection = {
  /** A token with the needed permissions (issues, statuses): pass a `secret(...)`. Default: the `GITHUB_TOKEN` secret. */
  token: z.string().optional(),
  /** API base URL. Default `https://api.github.com`; GitHub Enterprise: `https://<host>/api/v3`. */
  baseUrl: z.url().optional(),
  /** Retries of rate-limited and 5xx answers. Default 3. */
  retries: z.number().int().min(0).max(20).optional(),
  /** First backoff delay (doubled each retry) when the answer names no wait. Default 1s. */
  retryDelay: duration.optional(),
  /** Cap on any wait, including a rate limit's reset time. Default 60s. */
  maxRetryDelay: duration.optional(),
};

/** `run({ services: { github: {...} } })`: defaults for every GitHub task of the run. */
export interface GitHubService {
  token?: string | SecretRef;
  baseUrl?: string;
  retries?: number;
  retryDelay?: number | string;
  maxRetryDelay?: number | string;
}

/** `owner/name`. */
export const repoSchema = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/name"');

export function splitRepo(repo: string): { owner: string; repo: string } {
  const [owner, name] = repo.split("/") as [string, string];
  return { owner, repo: name };
}

type ConnectionInput = { token?: string | undefined; baseUrl?: string | undefined; retries?: number | undefined; retryDelay?: number | string | undefined; maxRetryDelay?: number | string | undefined };

export async function githubClient(input: ConnectionInput, ctx: TaskContext): Promise<Octokit> {
  const service = (ctx.services.github ?? {}) as GitHubService;
  const token = input.token ?? (isSecretRef(service.token) ? await ctx.secret(service.token.name) : service.token) ?? (await ctx.secret("GITHUB_TOKEN"));
  const baseUrl = (input.baseUrl ?? service.baseUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, "");
  const retries = input.retries ?? service.retries ?? 3;
  const retryDelayMs = toMs(input.retryDelay ?? service.retryDelay ?? "1s", "retryDelay");
  const maxDelayMs = toMs(input.maxRetryDelay ?? service.maxRetryDelay ?? "60s", "maxRetryDelay");
  const octokit = new Octokit({
    auth: token,
    baseUrl,
    userAgent: "capstan",
    request: { signal: ctx.signal },
    log: { debug: () => {}, info: () => {}, warn: (m: string) => ctx.log.warn(`github: ${m}`), error: (m: string) => ctx.log.error(`github: ${m}`) },
  });
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(options);
      } catch (err) {
        const wait = retryWait(err, attempt, retryDelayMs);
        if (wait === undefined || attempt > retries || ctx.signal.aborted) throw err;
        const delayMs = Math.min(wait, maxDelayMs);
        ctx.log.warn(`GitHub ${options.method} ${options.url} answered ${(err as HttpError).status}; retry ${attempt}/${retries} in ${delayMs}ms`);
        await sleep(delayMs, ctx.signal);
      }
    }
  });
  return octokit;
}

interface HttpError {
  name: string;
  status: number;
  message: string;
  request?: { method?: string; url?: string };
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isHttpError(err: unknown): err is HttpError {
  return typeof err === "object" && err !== null && (err as HttpError).name === "HttpError" && typeof (err as HttpError).status === "number";
}

/** How long to wait before retrying, or undefined when the error is not worth retrying. */
function retryWait(err: unknown, attempt: number, retryDelayMs: number): number | undefined {
  if (!isHttpError(err)) return undefined;
  const h = err.response?.headers ?? {};
  const retryAfter = h["retry-after"] !== undefined ? Number(h["retry-after"]) * 1000 : undefined;
  const exhausted = String(h["x-ratelimit-remaining"]) === "0";
  const rateLimited = err.status === 429 || (err.status === 403 && (exhausted || retryAfter !== undefined));
  if (rateLimited) {
    if (retryAfter !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter);
    const reset = Number(h["x-ratelimit-reset"]);
    if (exhausted && Number.isFinite(reset)) return Math.max(0, reset * 1000 - Date.now());
    return retryDelayMs * 2 ** (attempt - 1);
  }
  // Octokit reports a network failure as status 500 too.
  return err.status >= 500 ? retryDelayMs * 2 ** (attempt - 1) : undefined;
}

/** Runs one GitHub call, turning Octokit's errors into CapstanErrors. */
export async function callGitHub<T>(ctx: TaskContext, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
    throw githubError(what, err);
  }
}

export function githubError(what: string, err: unknown): CapstanError {
  if (!isHttpError(err)) return err instanceof CapstanError ? err : new CapstanError("CAPSTAN_GITHUB_ERROR", `GitHub ${what} failed: ${err instanceof Error ? err.message : String(err)}`, { retryable: true, cause: err });
  const data = (err.response?.data ?? {}) as { message?: string; errors?: { field?: string; code?: string; message?: string }[] };
  const details = (data.errors ?? []).map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(" ")).filter(Boolean);
  const reason = `${data.message ?? err.message}${details.length ? ` (${details.join("; ")})` : ""}`;
  const hint =
    err.status === 401
      ? "the token is not valid: check the GITHUB_TOKEN secret (or the token parameter)"
      : err.status === 403
        ? "the token lacks a permission this call needs (issues: write, statuses: write), or the rate limit is exhausted"
        : err.status === 404
          ? "the repository or issue does not exist, or the token cannot see it (private repositories need access)"
          : err.status === 422
            ? "GitHub rejected the request's fields"
            : "GitHub is having trouble; the step can be retried";
  return new CapstanError("CAPSTAN_GITHUB_ERROR", `GitHub ${what} answered ${err.status}: ${reason}`, {
    hint,
    retryable: err.status >= 500 || err.status === 429,
    details: { status: err.status },
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(t), reject(signal.reason));
    const t = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
