/**
 * Trigger declarations, checked when declared so a typo fails at load time, not at 3am.
 *
 * @example
 * flow({ id: "rotate", inputs, triggers: [
 *   schedule({ cron: "0 3 * * 1", timezone: "Europe/Berlin", catchUp: "last" }),
 *   webhook({ path: "rotate", key: secret("ROTATE_HOOK_KEY") }),
 *   after(release, { on: "success", inputs: (out) => ({ version: out?.version }) }),
 *   manual(),
 * ] })
 */
import { CapstanError } from "../errors.js";
import { isSecretRef, type SecretRef } from "../runtime/secrets.js";
import { TRIGGER, type AfterTrigger, type CatchUp, type ManualTrigger, type Overlap, type ScheduleTrigger, type UpstreamExecution, type WebhookTrigger } from "./types.js";

export interface ScheduleOptions<TIn> {
  cron: string;
  timezone?: string;
  /** Inputs for each run: a value, or a function of the scheduled time. */
  inputs?: TIn | ((ctx: { scheduledAt: Date }) => TIn);
  catchUp: CatchUp;
  /** Default `skip`: no overlapping runs of this schedule. */
  overlap?: Overlap;
}

export function schedule<TIn = Record<string, never>>(options: ScheduleOptions<TIn>): ScheduleTrigger<TIn> {
  const cron = typeof options?.cron === "string" ? options.cron.trim().replace(/\s+/g, " ") : "";
  const fields = cron.split(" ").length;
  if (!cron || (fields !== 5 && fields !== 6 && !cron.startsWith("@")) || !/^[\w*,/?#@ -]+$/.test(cron)) {
    throw invalid(`schedule: cron ${JSON.stringify(options?.cron)} is not a cron expression`, 'use five fields ("0 3 * * 1": minute hour day month weekday) or six with seconds first ("*/30 * * * * *")');
  }
  if (options.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: options.timezone });
    } catch {
      throw invalid(`schedule: timezone ${JSON.stringify(options.timezone)} is not a known time zone`, 'use an IANA name such as "Europe/Berlin" or "UTC"');
    }
  }
  oneOf("schedule: catchUp", options.catchUp, ["all", "last", "none"]);
  oneOf("schedule: overlap", options.overlap ?? "skip", ["skip", "queue", "allow"]);
  return Object.freeze({
    [TRIGGER]: true as const,
    type: "schedule" as const,
    cron,
    ...(options.timezone ? { timezone: options.timezone } : {}),
    ...(options.inputs !== undefined ? { inputs: options.inputs } : {}),
    catchUp: options.catchUp,
    overlap: options.overlap ?? "skip",
  });
}

export interface WebhookOptions {
  /** Served at `POST /webhooks/<path>`: letters, digits, `-`, `_`, `.` and `/`. */
  path: string;
  key: SecretRef;
  wait?: boolean;
  /** Default 1 MiB; larger bodies get 413 and start nothing. */
  maxBodyBytes?: number;
}

export function webhook(options: WebhookOptions): WebhookTrigger {
  const path = typeof options?.path === "string" ? options.path.replace(/^\/+|\/+$/g, "") : "";
  if (!/^[A-Za-z0-9][\w.\/-]*$/.test(path) || path.includes("..")) {
    throw invalid(`webhook: path ${JSON.stringify(options?.path)} is not valid`, 'use letters, digits, "-", "_", "." and "/", e.g. path: "release"');
  }
  if (!isSecretRef(options.key)) {
    throw invalid(`webhook "${path}": key must be a secret reference`, 'pass key: secret("MY_HOOK_KEY"); the value comes from the secret providers (e.g. CAPSTAN_SECRET_MY_HOOK_KEY)');
  }
  const max = options.maxBodyBytes ?? 1 << 20;
  if (!Number.isInteger(max) || max < 1) throw invalid(`webhook "${path}": maxBodyBytes must be a whole number of bytes >= 1`);
  return Object.freeze({ [TRIGGER]: true as const, type: "webhook" as const, path, key: options.key, wait: options.wait ?? false, maxBodyBytes: max });
}

type OutputsOf<F> = F extends { readonly __types?: { readonly outputs: infer O } } ? O : unknown;

export interface AfterOptions<TOut, TIn> {
  on: "success" | "failure" | "any";
  inputs?: (outputs: TOut | undefined, upstream: UpstreamExecution) => TIn | Promise<TIn>;
}

/** Runs this flow when another one (by flow or id) finishes in the same `capstan serve`. */
export function after<F extends string | { readonly id: string }, TIn = Record<string, never>>(upstream: F, options: AfterOptions<F extends string ? unknown : OutputsOf<F>, TIn>): AfterTrigger<TIn, F extends string ? unknown : OutputsOf<F>> {
  const flowId = typeof upstream === "string" ? upstream : (upstream as { id?: unknown })?.id;
  if (typeof flowId !== "string" || !flowId) throw invalid("after: pass the upstream flow or its id", 'e.g. after(release, { on: "success" }) or after("release", { on: "success" })');
  oneOf(`after("${flowId}"): on`, options?.on, ["success", "failure", "any"]);
  if (options.inputs !== undefined && typeof options.inputs !== "function") throw invalid(`after("${flowId}"): inputs must be a function of the upstream outputs`);
  return Object.freeze({ [TRIGGER]: true as const, type: "after" as const, flowId, on: options.on, ...(options.inputs ? { inputs: options.inputs } : {}) });
}

/** Declares that people start this flow; with a key, `capstan serve` accepts runs over HTTP too. */
export function manual(options: { key?: SecretRef } = {}): ManualTrigger {
  if (options.key !== undefined && !isSecretRef(options.key)) throw invalid('manual: key must be a secret reference, e.g. secret("RUN_KEY")');
  return Object.freeze({ [TRIGGER]: true as const, type: "manual" as const, ...(options.key ? { key: options.key } : {}) });
}

function oneOf(what: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) throw invalid(`${what} is ${JSON.stringify(value)}; expected ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

function invalid(message: string, hint = "see docs/triggers.md"): CapstanError {
  return new CapstanError("CAPSTAN_FLOW_INVALID", message, { hint, retryable: false });
}
