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
  // A record inside a forEach item is not kept; with no listener nobody sees its times, so the
  // clock (tens of ns a read) is not read for it: 100,000 items would pay it twice each.
  const seen = !frame.inItem || rs.emit !== undefined;
  // Every field up front: one object shape for all records keeps property access monomorphic.
  const record: StepRecord = { path, id: cn.node.id, kind: cn.node.kind, task, state: "RUNNING", attempts: 0, startedAt: seen ? Date.now() : undefined, endedAt: undefined, durationMs: undefined, output: undefined };
  if (!frame.inItem) rs.records[path] = record;
  return record;
}

export function finishRecord(rs: RunState, record: StepRecord, state: StepRecord["state"], error?: ErrorInfo, allowed?: boolean, resumed?: boolean): void {
  record.state = state;
  // No start time: an unseen record (see startRecord), which needs no end time either.
  let endedAt = 0;
  let durationMs = 0;
  if (record.startedAt !== undefined) {
    record.endedAt = endedAt = Date.now();
    record.durationMs = durationMs = endedAt - record.startedAt;
  }
  if (error) record.error = error;
  if (allowed) record.allowed = true;
  if (resumed) record.resumed = true;
  if (!rs.emit) return;
  rs.emit({
    type: "step.finished",
    executionId: rs.execution.id,
    time: endedAt,
    path: record.path,
    stepId: record.id,
    kind: record.kind,
    state,
    attempts: record.attempts,
    durationMs,
    ...(error ? { error } : {}),
    ...(allowed ? { allowed } : {}),
    ...(state === "SUCCESS" && record.output !== undefined ? { output: record.output } : {}),
    ...(resumed ? { resumed } : {}),
  });
}

/**
 * Where a node reports how it ended: `ok(token)`, or `err(token, error)` with what the scope should
 * see. Exactly once, always from a later microtask (a long run of synchronous steps never nests
 * calls), and the callbacks must not throw. The token (a node's index, an item's frame) tells the
 * caller which node ended, so it needs no closure per node, and a step costs no promise of its own.
 */
export interface Done<T> {
  ok(token: T): void;
  err(token: T, error: unknown): void;
}

/** Runs a step and reports to `done`; never throws (a throwing event listener fails the step's node). */
export function runStep<T>(cn: CompiledNode, frame: Frame, rs: RunState, done: Done<T>, token: T): void {
  const node = cn.node as StepNode;
  const simple = cn.retry === undefined && cn.timeoutMs === undefined;
  // Inside a forEach item, with no listener and nothing to resume, nobody sees the step's record:
  // none is built, nor its path unless something reads it (100,000 items would pay for both).
  if (simple && frame.inItem && rs.emit === undefined && rs.resume === undefined) {
    try {
      return runOnce(node, frame, rs, undefined, done, token);
    } catch (err) {
      return reportLater(done, token, err);
    }
  }
  const path = frame.prefix + node.id;
  let record: StepRecord;
  try {
    record = startRecord(rs, frame, cn, path, node.task ? node.task.type : "function");
    if (rs.resume) {
      if (restoreCompleted(rs, frame, record)) return reportLater(done, token, GO_ON);
      if (rs.resume.interrupted?.[path] && node.options.idempotent === false && !rs.resume.rerun?.includes(path)) {
        return reportLater(done, token, fail(node, frame, rs, record, new ResumeUnsafeError(path)));
      }
    }
    if (simple) return runOnce(node, frame, rs, record, done, token);
  } catch (err) {
    return reportLater(done, token, err);
  }
  runAttempts(cn, node, frame, rs, path, record).then(
    () => done.ok(token),
    (err: unknown) => done.err(token, err),
  );
}

/**
 * The hot path (no retry, no timeout): no async frames, and a synchronous function's value is
 * recorded without waiting for a microtask. Throws only before anything is scheduled.
 * `record`: undefined when nobody would see it (see runStep).
 */
function runOnce<T>(node: StepNode, frame: Frame, rs: RunState, record: StepRecord | undefined, done: Done<T>, token: T): void {
  if (record !== undefined) {
    record.attempts = 1;
    rs.emit?.({ type: "step.started", executionId: rs.execution.id, time: Date.now(), path: record.path, stepId: node.id, kind: "step", task: record.task, attempt: 1 });
  }
  let result: unknown;
  let ctx: StepContext | undefined;
  try {
    if (frame.signal.aborted) throw new CancelledError();
    ctx = new StepContext(rs, frame, node.id, record?.path, 1, frame.signal);
    result = node.task ? runTask(node.task, ctx, rs, ctx.path) : node.fn!(ctx);
    if (!(result instanceof Promise) && isTask(result)) result = runTask(result, ctx, rs, ctx.path);
  } catch (err) {
    return reportLater(done, token, fail(node, frame, rs, record, err, ctx?.lastPhase));
  }
  if (!(result instanceof Promise)) {
    succeed(node, frame, rs, record, result);
    return reportLater(done, token, GO_ON);
  }
  // One .then and straight on to the caller: no promise of the step's own to resolve and await.
  const c = ctx;
  result.then(
    (value) => {
      if (!isTask(value)) return conclude(node, frame, rs, record, c, done, token, true, value);
      runTask(value, c, rs, c.path).then(
        (v) => conclude(node, frame, rs, record, c, done, token, true, v),
        (err: unknown) => conclude(node, frame, rs, record, c, done, token, false, err),
      );
    },
    (err: unknown) => conclude(node, frame, rs, record, c, done, token, false, err),
  );
}

/** Records how the attempt ended (a throwing listener's error becomes the outcome) and reports it. */
function conclude<T>(node: StepNode, frame: Frame, rs: RunState, record: StepRecord | undefined, ctx: StepContext, done: Done<T>, token: T, ok: boolean, value: unknown): void {
  let outcome: unknown;
  try {
    if (ok) {
      succeed(node, frame, rs, record, value);
      outcome = GO_ON;
    } else outcome = fail(node, frame, rs, record, value, ctx.lastPhase);
  } catch (err) {
    outcome = err;
  }
  report(done, token, outcome);
}

/** `outcome`: GO_ON, or the error the scope should see. */
function report<T>(done: Done<T>, token: T, outcome: unknown): void {
  if (outcome === GO_ON) done.ok(token);
  else done.err(token, outcome);
}

/** Reports from the next microtask: see Done. */
export function reportLater<T>(done: Done<T>, token: T, outcome: unknown): void {
  void RESOLVED.then(() => report(done, token, outcome));
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

function succeed(node: StepNode, frame: Frame, rs: RunState, record: StepRecord | undefined, value: unknown): void {
  frame.outputs[node.id] = value;
  if (record === undefined) return;
  record.output = value;
  finishRecord(rs, record, "SUCCESS");
}

/**
 * Records a final failure; returns what the scope should see (or undefined-output success for
 * allowFailure). `phase`: the attempt's last `ctx.phase`, named in a cancelled step's error.
 * `record` undefined: an unseen one-attempt step (see runStep).
 */
function fail(node: StepNode, frame: Frame, rs: RunState, record: StepRecord | undefined, err: unknown, phase?: string): unknown {
  const path = record ? record.path : frame.prefix + node.id;
  if (frame.signal.aborted || err instanceof CancelledError) {
    const cancelled = frame.signal.aborted ? cancellationOf(frame.signal) : (err as CancelledError);
    const info = errorInfo(rs, phase ? new CancelledError(`${cancelled.message} (the step was in phase "${phase}")`) : cancelled, path);
    if (record) finishRecord(rs, record, "CANCELLED", phase ? { ...info, phase } : info);
    return cancelled;
  }
  const failure = err instanceof StepFailedError ? err : new StepFailedError(path, record ? record.attempts : 1, err);
  const info = errorInfo(rs, failure, path);
  if (node.options.allowFailure) {
    frame.outputs[node.id] = undefined;
    if (record) finishRecord(rs, record, "FAILED", info, true);
    return GO_ON;
  }
  if (record) finishRecord(rs, record, "FAILED", info);
  return failure;
}

/** Marker: the step succeeded, or its failure was allowed: the scope goes on. */
const GO_ON = Symbol("go on");

async function runAttempts(cn: CompiledNode, node: StepNode, frame: Frame, rs: RunState, path: string, record: StepRecord): Promise<void> {
  const attempts = cn.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    record.attempts = attempt;
    rs.emit?.({ type: "step.started", executionId: rs.execution.id, time: Date.now(), path, stepId: node.id, kind: "step", task: record.task, attempt });
    let ctx: StepContext | undefined;
    try {
      if (frame.signal.aborted) throw new CancelledError();
      let value: unknown;
      if (cn.timeoutMs === undefined) {
        ctx = new StepContext(rs, frame, node.id, path, attempt, frame.signal);
        value = await attemptOnce(node, ctx, rs, path);
      } else {
        const ac = new AbortController();
        ctx = new StepContext(rs, frame, node.id, path, attempt, ac.signal);
        value = await withTimeout(cn.timeoutMs, ac, ctx, node, frame, rs, path);
      }
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
      const f = fail(node, frame, rs, record, err, ctx?.lastPhase);
      if (f === GO_ON) return;
      throw f;
    }
  }
}

async function attemptOnce(node: StepNode, ctx: StepContext, rs: RunState, path: string): Promise<unknown> {
  if (node.task) return runTask(node.task, ctx, rs, path);
  const result = await node.fn!(ctx);
  return isTask(result) ? runTask(result, ctx, rs, path) : result;
}

/** Races the attempt (its context's signal is `ac`'s) against its deadline: a step that ignores its signal still fails on time. */
function withTimeout(ms: number, ac: AbortController, ctx: StepContext, node: StepNode, frame: Frame, rs: RunState, path: string): Promise<unknown> {
  const onParent = () => ac.abort(frame.signal.reason);
  frame.signal.addEventListener("abort", onParent, { once: true });
  return new Promise<unknown>((resolve, reject) => {
    const running = attemptOnce(node, ctx, rs, path);
    const timer = setTimeout(() => {
      const err = new StepTimeoutError(path, ms, ctx.lastPhase);
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
