/**
 * Masking for task authors. Values resolved through `secret()` / `ctx.secret()` are masked
 * automatically; a task that *reads* secret material some other way (a Vault read, a generated
 * password) registers it with `markSecret` so it is masked in every log, error, event and stored
 * output from then on. `logStream` logs a stream of chunks (pod logs) line by line, masking values
 * even when a chunk boundary splits one.
 *
 * @example
 * run: async (input, ctx) => {
 *   const creds = await readCredentials();
 *   markSecret(ctx, creds.password);
 *   const out = logStream(ctx);
 *   for await (const chunk of podLogs) out.write(chunk);
 *   out.end();
 * }
 */
import type { Logger } from "../dsl/context.js";
import type { LogLevel } from "../engine/events.js";
import type { StreamMasker } from "../engine/mask.js";
import { StepContext } from "../engine/state.js";

/** Anything with the step's logger: a task's `ctx` or a function step's context. */
type WithLog = { readonly log: Logger };

/**
 * Registers values to mask for the rest of the execution. Strings shorter than 4 characters, and
 * the execution's own id and flow id, are ignored; objects and arrays are walked and every string
 * in them is registered.
 */
export function markSecret(ctx: WithLog, ...values: unknown[]): void {
  if (!(ctx instanceof StepContext)) return;
  const masker = ctx.rs.masker;
  // The execution's own identifiers name its record, URIs and every event: marking them (a Vault
  // write of `{ execution: execution.id }`) would blank the record's id without hiding anything.
  const { id, flowId } = ctx.rs.execution;
  // The name (where the value was marked) is only for leak reports, which never print values.
  const walk = (v: unknown, depth: number, at: string): void => {
    if (typeof v === "string") {
      if (v !== id && v !== flowId) masker.add(v, `markSecret in step "${ctx.path}"${at ? ` at ${at}` : ""}`);
    } else if (Array.isArray(v) && depth < 32) v.forEach((x, i) => walk(x, depth + 1, `${at}[${i}]`));
    else if (v !== null && typeof v === "object" && depth < 32) for (const [k, x] of Object.entries(v)) walk(x, depth + 1, `${at}.${k}`);
  };
  values.forEach((v, i) => walk(v, 0, values.length > 1 ? `argument ${i + 1}` : ""));
}

/**
 * How `value` was registered with the execution's masker (`secret "PROD_KUBECONFIG"` for a
 * resolved secret), or undefined: lets a task tell whether text it was given came from a secret.
 */
export function registeredAs(ctx: WithLog, value: string): string | undefined {
  if (!(ctx instanceof StepContext)) return undefined;
  return ctx.rs.masker.registered().find((r) => r.value === value)?.name;
}

/**
 * `markSecret` for one value under a name of the caller's choosing, for values found inside
 * another (the token inside a kubeconfig): leak reports then say `secret "KC" (users[ci].token)`.
 */
export function markSecretAs(ctx: WithLog, name: string, value: string): void {
  if (!(ctx instanceof StepContext)) return;
  const { id, flowId } = ctx.rs.execution;
  if (value !== id && value !== flowId) ctx.rs.masker.add(value, name);
}

export interface LogStream {
  /** Text or bytes, in any chunking (UTF-8 characters and secret values may be split). */
  write(chunk: string | Uint8Array): void;
  /** Logs what is left (a last line without a newline). */
  end(): void;
}

/** A long line without a newline is logged in pieces of this size rather than held forever. */
const MAX_LINE = 64 * 1024;

export function logStream(ctx: WithLog, options: { level?: LogLevel; prefix?: string } = {}): LogStream {
  const level = options.level ?? "info";
  const prefix = options.prefix ?? "";
  const masker: StreamMasker | undefined = ctx instanceof StepContext ? ctx.rs.masker.stream() : undefined;
  const decoder = new TextDecoder();
  let line = "";
  const emit = (text: string, final: boolean) => {
    line += text;
    let nl: number;
    while ((nl = line.indexOf("\n")) !== -1) {
      ctx.log[level](prefix + line.slice(0, nl).replace(/\r$/, ""));
      line = line.slice(nl + 1);
    }
    while (line.length > MAX_LINE) {
      ctx.log[level](prefix + line.slice(0, MAX_LINE));
      line = line.slice(MAX_LINE);
    }
    if (final && line) {
      ctx.log[level](prefix + line.replace(/\r$/, ""));
      line = "";
    }
  };
  return {
    write(chunk) {
      if (masker) emit(masker.write(chunk), false);
      else emit(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }), false);
    },
    end() {
      emit(masker ? masker.end() : decoder.decode(), true);
    },
  };
}

/**
 * The same text with every secret masked, for storing a stream (a pod's log) as an artifact:
 * `ctx.storage.put("pod.log", maskStream(ctx, logs))`. Bytes in, UTF-8 bytes out.
 */
export async function* maskStream(ctx: WithLog, source: AsyncIterable<Uint8Array | string>): AsyncIterable<Uint8Array> {
  const masker = ctx instanceof StepContext ? ctx.rs.masker.stream() : undefined;
  const encoder = new TextEncoder();
  if (!masker) {
    for await (const c of source) yield typeof c === "string" ? encoder.encode(c) : c;
    return;
  }
  for await (const c of source) {
    const safe = masker.write(c);
    if (safe) yield encoder.encode(safe);
  }
  const rest = masker.end();
  if (rest) yield encoder.encode(rest);
}
