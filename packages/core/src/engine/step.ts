/** One step: resolve parameters, validate, run, with timeout and retries. */
import type { CompiledNode } from "../graph/compile.js";
import type { StepNode } from "../dsl/nodes.js";
import type { Task } from "../task/define.js";
import { isTask } from "../task/define.js";
import type { ErrorInfo } from "./events.js";
import type { StepRecord } from "./records.js";
import type { Frame, RunState } from "./state.js";
import { StepContext } from "./state.js";
import { backoffDelay, isRetryable, sleep } from "./retry.js";
import { ResumeUnsafeError } from "./resume.js";
import { CancelledError, CapstanError, StepFailedError, StepTimeoutError, TaskInputError, TaskOutputError, issuesFromZod, messageOf } from "../errors.js";

export function errorInfo(rs: RunState, err: unknown, stepPath?: string): ErrorInfo {
  const root = err instanceof StepFailedError && err.cause !== undefined ? err.cause : err;
  const code = root instanceof CapstanError ? root.code : "CAPSTAN_STEP_FAILED";
  const hint = root instanceof CapstanError ? root.hint : undefined;
  const path = err instanceof StepFailedError ? err.stepPath : stepPath;
  const phase = root instanceof StepTimeoutError ? root.phase : undefined;
  return {
    code,
    message: rs.masker.mask(messageOf(root)),
    ...(hint ? { hint } : {}),
    ...(path ? { stepPath: path } : {}),
    ...(phase ? { phase } : {}),
  };
}

/** Why the execution was cancelled: the CancelledError its signal was aborted with (e.g. "by SIGINT"), else a plain one. */
export function cancellationOf(signal: AbortSignal): CancelledError {
  return signal.reason instanceof CancelledError ? signal.reason : new CancelledError();
}

export function startRecord(rs: RunState, frame: Frame, cn: CompiledNode, path: string, task?: string): StepRecord {
  // Every field up front: one object shape for all records keeps property access monomorphic.
  const record: StepRecord = { path, id: cn.node.id, kind: cn.node.kind, task, state: "RUNNING", attempts: 0, startedAt: Date.now(), endedAt: undefined, durationMs: undefined, output: undefined };
  if (!frame.inItem) rs.records[path] = record;
  return record;
}

export function finishRecord(rs: RunState, record: StepRecord, state: StepRecord["state"], error?: ErrorInfo, allowed?: boolean, resumed?: boolean): void {
  record.state = state;
  record.endedAt = Date.now();
  record.durationMs = record.endedAt - (record.startedAt ?? record.endedAt);
  if (error) record.error = error;
  if (allowed) record.allowed = true;
  if (resumed) record.resumed = true;
  if (!rs.emit) return;
  rs.emit({
    type: "step.finished",
    executionId: rs.execution.id,
    time: record.endedAt,
    path: record.path,
    stepId: record.id,
    kind: record.kind,
    state,
    attempts: record.attempts,
    durationMs: record.durationMs,
    ...(error ? { error } : {}),
    ...(allowed ? { allowed } : {}),
    ...(state === "SUCCESS" && record.output !== undefined ? { output: record.output } : {}),
    ...(resumed ? { resumed } : {}),
  });
}

export function runStep(cn: CompiledNode, frame: Frame, rs: RunState): Promise<void> {
  const node = cn.node as StepNode;
  const path = frame.prefix + node.id;
  const record = startRecord(rs, frame, cn, path, node.task ? node.task.type : "function");
  if (rs.resume) {
    if (restoreCompleted(rs, frame, record)) return RESOLVED;
    if (rs.resume.interrupted?.[path] && node.options.idempotent === false && !rs.resume.rerun?.includes(path)) {
      const f = fail(node, frame, rs, path, record, new ResumeUnsafeError(path));
      return f === ALLOWED ? RESOLVED : Promise.reject(f);
    }
  }
  if (cn.retry === undefined && cn.timeoutMs === undefined) return runOnce(node, frame, rs, path, record);
  return runAttempts(cn, node, frame, rs, path, record);
}

/**
 * The hot path (no retry, no timeout): no extra async frames, and a synchronous function's value
 * is recorded without waiting for a microtask.
 */
function runOnce(node: StepNode, frame: Frame, rs: RunState, path: string, record: StepRecord): Promise<void> {
  record.attempts = 1;
  rs.emit?.({ type: "step.started", executionId: rs.execution.id, time: Date.now(), path, stepId: node.id, kind: "step", task: record.task, attempt: 1 });
  let result: unknown;
  const progress: { phase?: string } = {};
  try {
    if (frame.signal.aborted) throw new CancelledError();
    const ctx = new StepContext(rs, frame, node.id, path, 1, frame.signal, progress);
    result = node.task ? runTask(node.task, ctx, rs, path) : node.fn!(ctx);
    if (isTask(result)) result = runTask(result, ctx, rs, path);
  } catch (err) {
    const f = fail(node, frame, rs, path, record, err, progress.phase);
    return f === ALLOWED ? RESOLVED : Promise.reject(f);
  }
  if (result instanceof Promise) return settle(node, frame, rs, path, record, result, progress);
  succeed(node, frame, rs, record, result);
  return RESOLVED;
}

function settle(node: StepNode, frame: Frame, rs: RunState, path: string, record: StepRecord, pending: Promise<unknown>, progress: { phase?: string }): Promise<void> {
  // Plain .then rather than an async function: one microtask hop less per step.
  return pending.then(
    (value) => {
      if (!isTask(value)) return succeed(node, frame, rs, record, value);
      return runTask(value, new StepContext(rs, frame, node.id, path, 1, frame.signal, progress), rs, path).then(
        (v) => succeed(node, frame, rs, record, v),
        (err: unknown) => rethrowUnlessAllowed(fail(node, frame, rs, path, record, err, progress.phase)),
      );
    },
    (err: unknown) => rethrowUnlessAllowed(fail(node, frame, rs, path, record, err, progress.phase)),
  );
}

function rethrowUnlessAllowed(f: unknown): void {
  if (f !== ALLOWED) throw f;
}

const RESOLVED = Promise.resolve();

/** On resume: a node that finished in an earlier run gets its recorded output back instead of running. */
export function restoreCompleted(rs: RunState, frame: Frame, record: StepRecord): boolean {
  const done = rs.resume?.completed[record.path];
  if (!done) return false;
  frame.outputs[record.id] = done.output;
  record.output = done.output;
  finishRecord(rs, record, "SUCCESS", undefined, undefined, true);
  return true;
}

function succeed(node: StepNode, frame: Frame, rs: RunState, record: StepRecord, value: unknown): void {
  frame.outputs[node.id] = value;
  record.output = value;
  finishRecord(rs, record, "SUCCESS");
}

/**
 * Records a final failure; returns what the scope should see (or undefined-output success for
 * allowFailure). `phase`: the attempt's last `ctx.phase`, named in a cancelled step's error.
 */
function fail(node: StepNode, frame: Frame, rs: RunState, path: string, record: StepRecord, err: unknown, phase?: string): unknown {
  if (frame.signal.aborted || err instanceof CancelledError) {
    const cancelled = frame.signal.aborted ? cancellationOf(frame.signal) : (err as CancelledError);
    const info = errorInfo(rs, phase ? new CancelledError(`${cancelled.message} (the step was in phase "${phase}")`) : cancelled, path);
    finishRecord(rs, record, "CANCELLED", phase ? { ...info, phase } : info);
    return cancelled;
  }
  const failure = err instanceof StepFailedError ? err : new StepFailedError(path, record.attempts, err);
  const info = errorInfo(rs, failure, path);
  if (node.options.allowFailure) {
    frame.outputs[node.id] = undefined;
    finishRecord(rs, record, "FAILED", info, true);
    return ALLOWED;
  }
  finishRecord(rs, record, "FAILED", info);
  return failure;
}

/** Marker: the failure was allowed, the scope goes on. */
const ALLOWED = Symbol("allowed");

async function runAttempts(cn: CompiledNode, node: StepNode, frame: Frame, rs: RunState, path: string, record: StepRecord): Promise<void> {
  const attempts = cn.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    record.attempts = attempt;
    rs.emit?.({ type: "step.started", executionId: rs.execution.id, time: Date.now(), path, stepId: node.id, kind: "step", task: record.task, attempt });
    const progress: { phase?: string } = {};
    try {
      if (frame.signal.aborted) throw new CancelledError();
      const value = cn.timeoutMs === undefined ? await attemptOnce(node, frame, rs, path, attempt, frame.signal, progress) : await withTimeout(cn.timeoutMs, node, frame, rs, path, attempt, progress);
      succeed(node, frame, rs, record, value);
      return;
    } catch (err) {
      if (!frame.signal.aborted && attempt < attempts && cn.retry && isRetryable(err, cn.retry)) {
        const delayMs = backoffDelay(cn.retry, attempt, rs.random);
        rs.emit?.({ type: "step.retrying", executionId: rs.execution.id, time: Date.now(), path, stepId: node.id, attempt, delayMs, error: errorInfo(rs, err, path) });
        try {
          await sleep(delayMs, frame.signal);
          continue;
        } catch (abort) {
          err = abort;
        }
      }
      const f = fail(node, frame, rs, path, record, err, progress.phase);
      if (f === ALLOWED) return;
      throw f;
    }
  }
}

async function attemptOnce(node: StepNode, frame: Frame, rs: RunState, path: string, attempt: number, signal: AbortSignal, progress: { phase?: string }): Promise<unknown> {
  const ctx = new StepContext(rs, frame, node.id, path, attempt, signal, progress);
  if (node.task) return runTask(node.task, ctx, rs, path);
  const result = await node.fn!(ctx);
  return isTask(result) ? runTask(result, ctx, rs, path) : result;
}

/** Races the attempt against its deadline: a step that ignores its signal still fails on time. */
function withTimeout(ms: number, node: StepNode, frame: Frame, rs: RunState, path: string, attempt: number, progress: { phase?: string }): Promise<unknown> {
  const ac = new AbortController();
  const onParent = () => ac.abort(frame.signal.reason);
  frame.signal.addEventListener("abort", onParent, { once: true });
  return new Promise<unknown>((resolve, reject) => {
    const running = attemptOnce(node, frame, rs, path, attempt, ac.signal, progress);
    const timer = setTimeout(() => {
      const err = new StepTimeoutError(path, ms, progress.phase);
      ac.abort(err);
      rs.abandoned.push(running.catch(() => {}));
      reject(err);
    }, ms);
    running.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      frame.signal.removeEventListener("abort", onParent);
    });
  });
}

export async function runTask(task: Task, ctx: StepContext, rs: RunState, path: string): Promise<unknown> {
  const def = task.definition;
  const raw = typeof task.params === "function" ? await (task.params as (c: unknown) => unknown)(ctx) : task.params;
  const resolved = await rs.secrets.resolveDeep(raw);
  const parsed = await def.input.safeParseAsync(resolved);
  if (!parsed.success) throw new TaskInputError(issuesFromZod(parsed.error), task.type, path);
  const out = await def.run(parsed.data, ctx);
  if (!def.output) return out;
  const checked = await def.output.safeParseAsync(out);
  if (!checked.success) throw new TaskOutputError(issuesFromZod(checked.error), task.type, path);
  return checked.data;
}
