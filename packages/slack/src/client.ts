/**
 * The Slack connection every task shares: token, API URL and retry policy from the task's
 * parameters, else the run's `services.slack`, else the environment (`SLACK_TOKEN` secret,
 * `CAPSTAN_SLACK_API_URL`). Calls go through `@slack/web-api`'s `WebClient`, which retries
 * rate-limited calls after `Retry-After` and 5xx answers with backoff; its errors become
 * CapstanErrors that say what to fix.
 */
import { z } from "zod";
import type { WebClient, ErrorCode, LogLevel } from "@slack/web-api";
import type { Logger as SlackLogger } from "@slack/web-api";
import { CapstanError, isSecretRef, toMs } from "@capstan/core";
import type { SecretRef, TaskContext } from "@capstan/core";

const duration = z.union([z.number().nonnegative(), z.string()]);

/** Connection parameters every Slack task accepts. */
export const SlackConnection = {
  /** Bot token (`xoxb-...`): pass a `secret(...)`. Default: the `SLACK_TOKEN` secret. */
  token: z.string().optional(),
  /** Web API base URL. Default `https://slack.com/api/` (a fake's `apiUrl` in tests). */
  apiUrl: z.url().optional(),
  /** Retries of rate-limited (after `Retry-After`) and failed calls. Default 5. */
  retries: z.number().int().min(0).max(20).optional(),
  /** First backoff delay between retries of failed calls. Default 1s. */
  retryDelay: duration.optional(),
};

/** `run({ services: { slack: {...} } })`: defaults for every Slack task of the run. */
export interface SlackService {
  token?: string | SecretRef;
  apiUrl?: string;
  retries?: number;
  retryDelay?: number | string;
}

export const DEFAULT_API_URL = "https://slack.com/api/";

export async function slackClient(input: { token?: string | undefined; apiUrl?: string | undefined; retries?: number | undefined; retryDelay?: number | string | undefined }, ctx: TaskContext): Promise<WebClient> {
  const service = (ctx.services.slack ?? {}) as SlackService;
  const token = input.token ?? (isSecretRef(service.token) ? await ctx.secret(service.token.name) : service.token) ?? (await ctx.secret("SLACK_TOKEN"));
  const apiUrl = input.apiUrl ?? service.apiUrl ?? process.env.CAPSTAN_SLACK_API_URL ?? DEFAULT_API_URL;
  const minTimeout = toMs(input.retryDelay ?? service.retryDelay ?? "1s", "retryDelay");
  // Loaded here, not when a flow imports @capstan/slack: ~180 ms that `--help` never needs.
  const { WebClient, LogLevel } = await import("@slack/web-api");
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: input.retries ?? service.retries ?? 5, factor: 2, minTimeout, maxTimeout: Math.max(minTimeout, 60_000), randomize: false },
    rejectRateLimitedCalls: false,
    logger: stepLogger(ctx, LogLevel.INFO),
    logLevel: LogLevel.INFO,
  });
}

/** Runs one Slack call, ending with the step's signal and turning the client's errors into CapstanErrors. */
export async function callSlack<T>(ctx: TaskContext, method: string, call: () => Promise<T>): Promise<T> {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([call(), aborted]);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
    throw slackError(method, err);
  } finally {
    ctx.signal.removeEventListener("abort", onAbort!);
  }
}

const HINTS: Record<string, string> = {
  invalid_auth: "the token is not valid: check the SLACK_TOKEN secret (or the token parameter)",
  not_authed: "no token was sent: set the SLACK_TOKEN secret or pass token: secret(...)",
  account_inactive: "the token belongs to a deactivated user or app: issue a new one",
  token_revoked: "the token was revoked: issue a new one",
  missing_scope: "the app lacks an OAuth scope this call needs (chat:write, files:write): add it and reinstall",
  channel_not_found: "check the channel name or ID, and that the app can see it (private channels need an invite)",
  not_in_channel: "invite the app to the channel (/invite @app) or give it chat:write.public",
  is_archived: "the channel is archived",
  no_text: "give text or blocks",
  msg_too_long: "shorten the text (Slack's limit is 40,000 characters)",
  invalid_blocks: "the blocks do not match Slack's Block Kit schema",
};

/** Errors that retrying the step can fix. */
const TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

// The client's error codes, without loading the client (the types check they match its enum).
const PLATFORM_ERROR: `${ErrorCode.PlatformError}` = "slack_webapi_platform_error";
const HTTP_ERROR: `${ErrorCode.HTTPError}` = "slack_webapi_http_error";
const REQUEST_ERROR: `${ErrorCode.RequestError}` = "slack_webapi_request_error";

export function slackError(method: string, err: unknown): CapstanError {
  const e = err as { code?: string; data?: { error?: string; needed?: string }; statusCode?: number; message?: string; original?: { message?: string; cause?: { code?: string } } };
  if (e?.code === PLATFORM_ERROR) {
    const code = e.data?.error ?? "unknown_error";
    return new CapstanError("CAPSTAN_SLACK_ERROR", `Slack ${method} failed: ${code}${e.data?.needed ? ` (needs scope ${e.data.needed})` : ""}`, {
      hint: HINTS[code] ?? `see https://api.slack.com/methods/${method} for "${code}"`,
      retryable: TRANSIENT.has(code),
      details: { slackError: code },
    });
  }
  if (e?.code === HTTP_ERROR) {
    return new CapstanError("CAPSTAN_SLACK_ERROR", `Slack ${method} failed: HTTP ${e.statusCode} after retries`, { hint: "Slack is having trouble; the step can be retried", retryable: true });
  }
  // The client reports a 429 that outlasted its retries as a request error wrapping this message.
  if (/rate limit was exceeded/i.test(e?.original?.message ?? e?.message ?? "")) {
    return new CapstanError("CAPSTAN_SLACK_RATE_LIMITED", `Slack ${method} is still rate limited after the client's retries`, { hint: "raise retries, or send fewer messages at once (forEach concurrency)", retryable: true });
  }
  if (e?.code === REQUEST_ERROR) {
    const detail = e.original?.cause?.code ?? e.original?.message ?? e.message;
    return new CapstanError("CAPSTAN_SLACK_UNREACHABLE", `Slack ${method} failed: ${detail}`, { hint: "check the network and the API URL", retryable: true });
  }
  if (err instanceof CapstanError) return err;
  return new CapstanError("CAPSTAN_SLACK_ERROR", `Slack ${method} failed: ${e?.message ?? String(err)}`, { retryable: false, cause: err });
}

/** The client's own log lines go to the step's log; its debug chatter (request bodies) does not. */
function stepLogger(ctx: TaskContext, initial: LogLevel): SlackLogger {
  let level = initial;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ");
  return {
    debug: () => {},
    info: (...msg) => ctx.log.info(`slack: ${text(msg)}`),
    warn: (...msg) => ctx.log.warn(`slack: ${text(msg)}`),
    error: (...msg) => ctx.log.error(`slack: ${text(msg)}`),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}
