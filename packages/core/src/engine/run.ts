/**
 * Runs a compiled flow: parses inputs (nothing runs when they are invalid), runs the main scope,
 * then `errors` on failure and `finally` always. Cancellation (the signal) stops new steps, aborts
 * running ones through their signals, waits up to `cancelGraceMs` for them to clean up (a pod step
 * deletes its pod), runs `finally`, and ends CANCELLED.
 */
import { randomUUID } from "node:crypto";
import type { CompiledFlow } from "../graph/compile.js";
import type { ExecutionInfo, FailureInfo } from "../dsl/context.js";
import type { ArtifactStore } from "../runtime/storage.js";
import type { SecretProvider } from "../runtime/secrets.js";
import type { EventListener, ExecutionState, LogLevel } from "./events.js";
import type { Execution } from "./records.js";
import type { RunState } from "./state.js";
import type { ResumeState } from "./resume.js";
import { LEVELS, StepContext, newFrame } from "./state.js";
import { ScopedArtifactStore } from "../runtime/storage.js";
import { LocalArtifactStore } from "../runtime/local-store.js";
import { SecretResolver } from "../runtime/secrets.js";
import { defaultSecretProviders } from "../runtime/secret-defaults.js";
import { Masker } from "./mask.js";
import { watchExecution } from "./observe.js";
import { envCanaryOnce } from "./canary-env.js";
import { runScope } from "./scope.js";
import { cancellationOf, errorInfo } from "./step.js";
import { CancelledError, InputError, issuesFromZod, messageOf } from "../errors.js";

export interface RunOptions<TIn> {
  inputs?: TIn;
  signal?: AbortSignal;
  /** Called synchronously for every event, in order. */
  onEvent?: EventListener;
  /**
   * Secret providers, tried in order. Default: the environment (`CAPSTAN_SECRET_<NAME>`), then
   * `CAPSTAN_SECRETS_FILE`, `CAPSTAN_SECRETS_DIR`, then providers added with `registerSecretProvider`.
   */
  secrets?: readonly SecretProvider[];
  /**
   * Where artifacts go. Default: a `LocalArtifactStore` in `storageDir`. Steps see it scoped to
   * the execution (`capstan://<flow>/<execution>/...`) as `ctx.storage`.
   */
  storage?: ArtifactStore;
  /** Directory of the default local store. Default `CAPSTAN_STORAGE_DIR`, else `.capstan/storage`. */
  storageDir?: string;
  labels?: Record<string, string>;
  executionId?: string;
  /**
   * How many log lines `execution.logs` keeps: `true` (default) all, `false` none, or the newest N.
   * Events (and the execution store) get every line either way; a long pod log need not also stay in memory.
   */
  keepLogs?: boolean | number;
  /** Lowest log level recorded. Default `info`. */
  logLevel?: LogLevel;
  /** How long a cancelled execution waits for running steps to clean up. Default 30s. */
  cancelGraceMs?: number;
  /** Random source for retry jitter (tests pass a seeded one). */
  random?: () => number;
  /** Continue an interrupted execution (pass its `executionId` too): see ResumeState. */
  resume?: ResumeState;
  /**
   * Run-scoped settings and connections for integrations, by name: e.g. which connection a
   * cluster name maps to, so tests swap in emulated clusters without touching the flow.
   * Each integration documents its key (`kubernetes`, `slack`, ...).
   */
  services?: Readonly<Record<string, unknown>>;
}

export async function runCompiled<TOut>(compiled: CompiledFlow, options: RunOptions<unknown>): Promise<Execution<TOut>> {
  const meta = compiled.root.meta;
  let inputs: unknown = options.inputs ?? {};
  if (meta.inputs) {
    const parsed = await meta.inputs.safeParseAsync(inputs);
    if (!parsed.success) throw new InputError(issuesFromZod(parsed.error), meta.id);
    inputs = parsed.data;
  }
  const masker = new Masker();
  const startedAt = new Date();
  const labels = { ...meta.labels, ...options.labels };
  const execution: ExecutionInfo = { id: options.executionId ?? randomUUID(), flowId: meta.id, startedAt, labels };
  const canary = envCanaryOnce();
  if (canary) await canary;
  // Undefined unless an observer (the secret canary in tests) is registered: then no extra work.
  const watch = watchExecution();
  const store = options.storage ?? new LocalArtifactStore(options.storageDir);
  const storage = new ScopedArtifactStore(watch ? watch.store(store) : store, meta.id, execution.id, masker);
  const rs: RunState = {
    execution,
    inputs,
    emit: maskedListener(watch ? watch.listener(options.onEvent) : options.onEvent, masker),
    records: {},
    logs: [],
    secrets: new SecretResolver(options.secrets ?? defaultSecretProviders(), (v, name) => masker.add(v, `secret "${name}"`)),
    storage,
    masker,
    minLevel: LEVELS[options.logLevel ?? "info"],
    allIds: compiled.allIds,
    random: options.random ?? Math.random,
    resume: options.resume,
    services: Object.freeze({ ...options.services }),
    cleanups: [],
    abandoned: [],
    keepLogs: options.keepLogs === false ? 0 : options.keepLogs === true || options.keepLogs === undefined ? Infinity : Math.max(0, Math.floor(options.keepLogs)),
  };
  rs.emit?.({ type: "execution.started", executionId: execution.id, time: startedAt.getTime(), flowId: meta.id, labels });

  const controller = new AbortController();
  // The caller's CancelledError says why (e.g. "by SIGINT"); steps' records repeat it.
  const onAbort = () => controller.abort(options.signal?.reason instanceof CancelledError ? options.signal.reason : new CancelledError());
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  const root = newFrame(undefined, rs, { signal: controller.signal });
  let state: ExecutionState = "SUCCESS";
  let failure: unknown;
  try {
    await untilSettledOrGrace(runScope(compiled.main, root, rs), controller.signal, options.cancelGraceMs ?? 30_000);
    if (controller.signal.aborted) throw new CancelledError();
  } catch (err) {
    state = controller.signal.aborted || err instanceof CancelledError ? "CANCELLED" : "FAILED";
    failure = controller.signal.aborted ? cancellationOf(controller.signal) : err;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  // Only a cancelled execution can end with steps still running (they ignored their signal).
  if (state === "CANCELLED") markInterrupted(rs);

  // Handlers run with a fresh signal: a cancelled execution must still be able to clean up.
  const handlerSignal = new AbortController().signal;
  if (state === "FAILED" && compiled.errors) {
    const info = errorInfo(rs, failure);
    const failed: FailureInfo = {
      stepId: info.stepPath ? info.stepPath.slice(info.stepPath.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "") : "",
      path: info.stepPath ?? "",
      code: info.code,
      message: info.message,
      error: failure instanceof Error ? failure : new Error(messageOf(failure)),
    };
    await runScope(compiled.errors, newFrame(root, rs, { prefix: "errors.", signal: handlerSignal, error: failed }), rs).catch(() => {
      // The errors branch's own failure is recorded in its step records; the execution keeps the original error.
    });
  }
  if (compiled.finally) {
    try {
      await runScope(compiled.finally, newFrame(root, rs, { prefix: "finally.", signal: handlerSignal }), rs);
    } catch (err) {
      if (state === "SUCCESS") {
        state = "FAILED";
        failure = err;
      }
    }
  }

  let outputs: TOut | undefined;
  if (state === "SUCCESS") {
    try {
      outputs = (compiled.root.outputs ? await compiled.root.outputs(new StepContext(rs, root, "outputs", "outputs", 1, handlerSignal)) : root.outputs) as TOut;
    } catch (err) {
      state = "FAILED";
      failure = err;
    }
  }
  // Timed-out attempts finish their cleanup (a pod step deletes its pod) while the run still records it.
  if (rs.abandoned.length) await settledWithin(Promise.allSettled(rs.abandoned), options.cancelGraceMs ?? 30_000);
  // Connections and sessions tasks opened: closed so a finished run leaves nothing holding the process.
  await Promise.allSettled(rs.cleanups.map(async (fn) => fn()));
  const kept = rs.logs.length > rs.keepLogs ? rs.logs.slice(rs.logs.length - rs.keepLogs) : rs.logs;
  const endedAt = new Date();
  const error = state === "SUCCESS" ? undefined : errorInfo(rs, failure);
  rs.emit?.({ type: "execution.finished", executionId: execution.id, time: endedAt.getTime(), flowId: meta.id, state, durationMs: endedAt.getTime() - startedAt.getTime(), ...(error ? { error } : {}) });
  const result: Execution<TOut> = {
    id: execution.id,
    flowId: meta.id,
    state,
    inputs,
    labels,
    startedAt,
    endedAt,
    durationMs: endedAt.getTime() - startedAt.getTime(),
    // Masked again at the end: a value registered late (markSecret) may be in earlier records.
    steps: masker.active ? mapValues(rs.records, (r) => masker.maskValue(r)) : rs.records,
    outputs: masker.maskValue(outputs),
    ...(error ? { error: masker.maskValue(error) } : {}),
    logs: masker.active ? kept.map((l) => masker.maskValue(l)) : kept,
  };
  if (watch) await watch.settle({ executionId: execution.id, flowId: meta.id, result, secrets: masker.registered(), storage: store, prefix: storage.prefix });
  return result;
}

/**
 * Every event leaves the engine masked: outputs, checkpoints, errors, log fields. Undefined when
 * nobody listens, so the hot path builds no events; no copy while no secret has been resolved.
 */
function maskedListener(listener: EventListener | undefined, masker: Masker): EventListener | undefined {
  if (!listener) return undefined;
  return (event) => listener(masker.active ? masker.maskValue(event) : event);
}

function mapValues<T>(obj: Record<string, T>, fn: (v: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k in obj) out[k] = fn(obj[k]!);
  return out;
}

/** Resolves when `work` settles, or `graceMs` after `signal` aborts, whichever is first. */
function untilSettledOrGrace(work: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(new CancelledError()), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    });
  });
}

/** Resolves when `work` settles or after `ms`, whichever is first. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise((r) => (timer = setTimeout(r, ms)))]).then(() => clearTimeout(timer));
}

/** Steps still RUNNING when the execution ends were cancelled (they ignored their signal). */
function markInterrupted(rs: RunState): void {
  for (const r of Object.values(rs.records)) {
    if (r.state !== "RUNNING") continue;
    r.state = "CANCELLED";
    r.endedAt = Date.now();
    r.durationMs = r.endedAt - (r.startedAt ?? r.endedAt);
    rs.emit?.({ type: "step.finished", executionId: rs.execution.id, time: r.endedAt, path: r.path, stepId: r.id, kind: r.kind, state: "CANCELLED", attempts: r.attempts, durationMs: r.durationMs });
  }
}
