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
import { CancelledError, CapstanError, StepFailedError, StepTimeoutError, TaskInputError, TaskOutputError, issuesFromZod, messageOf } from "../errors.js";

export function errorInfo(rs: RunState, err: unknown, stepPath?: string): ErrorInfo {
  const root = err instanceof StepFailedError && err.cause !== undefined ? err.cause : err;
  const code = root instanceof CapstanError ? root.code : "CAPSTAN_STEP_FAILED";
  const hint = root instanceof CapstanError ? root.hint : undefined;
  const path = err instanceof StepFailedError ? err.stepPath : stepPath;
  return {
    code,
    message: rs.masker.mask(messageOf(root)),
    ...(hint ? { hint } : {}),
    ...(path ? { stepPath: path } : {}),
  };
}

export function startRecord(rs: RunState, frame: Frame, cn: CompiledNode, path: string, task?: string): StepRecord {
  const record: StepRecord = { path, id: cn.node.id, kind: cn.node.kind, state: "RUNNING", attempts: 0, startedAt: Date.now() };
  if (task) (record as { task?: string }).task = task;
  if (!frame.inItem) rs.records[path] = record;
  return record;
}

export function finishRecord(rs: RunState, record: StepRecord, state: StepRecord["state"], error?: ErrorInfo, allowed?: boolean): void {
  record.state = state;
  record.endedAt = Date.now();
  record.durationMs = record.endedAt - (record.startedAt ?? record.endedAt);
  if (error) record.error = error;
  if (allowed) record.allowed = true;
  rs.emit?.({
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
  });
}

export async function runStep(cn: CompiledNode, frame: Frame, rs: RunState): Promise<void> {
  const node = cn.node as StepNode;
  const path = frame.prefix + node.id;
  const record = startRecord(rs, frame, cn, path, node.task ? node.task.type : "function");
  const attempts = cn.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    record.attempts = attempt;
    rs.emit?.({ type: "step.started", executionId: rs.execution.id, time: Date.now(), path, stepId: node.id, kind: "step", task: record.task, attempt });
    try {
      if (frame.signal.aborted) throw new CancelledError();
      const value = cn.timeoutMs === undefined ? await attemptOnce(node, frame, rs, path, attempt, frame.signal) : await withTimeout(cn.timeoutMs, node, frame, rs, path, attempt);
      frame.outputs[node.id] = value;
      record.output = value;
      finishRecord(rs, record, "SUCCESS");
      return;
    } catch (err) {
      if (frame.signal.aborted) {
        finishRecord(rs, record, "CANCELLED", errorInfo(rs, new CancelledError(), path));
        throw new CancelledError();
      }
      if (attempt < attempts && cn.retry && isRetryable(err, cn.retry)) {
        const delayMs = backoffDelay(cn.retry, attempt, rs.random);
        rs.emit?.({ type: "step.retrying", executionId: rs.execution.id, time: Date.now(), path, stepId: node.id, attempt, delayMs, error: errorInfo(rs, err, path) });
        try {
          await sleep(delayMs, frame.signal);
        } catch {
          finishRecord(rs, record, "CANCELLED", errorInfo(rs, new CancelledError(), path));
          throw new CancelledError();
        }
        continue;
      }
      const failure = new StepFailedError(path, attempt, err);
      const info = errorInfo(rs, failure, path);
      if (node.options.allowFailure) {
        frame.outputs[node.id] = undefined;
        finishRecord(rs, record, "FAILED", info, true);
        return;
      }
      finishRecord(rs, record, "FAILED", info);
      throw failure;
    }
  }
}

async function attemptOnce(node: StepNode, frame: Frame, rs: RunState, path: string, attempt: number, signal: AbortSignal): Promise<unknown> {
  const ctx = new StepContext(rs, frame, node.id, path, attempt, signal);
  if (node.task) return runTask(node.task, ctx, rs, path);
  const result = await node.fn!(ctx);
  return isTask(result) ? runTask(result, ctx, rs, path) : result;
}

/** Races the attempt against its deadline: a step that ignores its signal still fails on time. */
function withTimeout(ms: number, node: StepNode, frame: Frame, rs: RunState, path: string, attempt: number): Promise<unknown> {
  const ac = new AbortController();
  const onParent = () => ac.abort(frame.signal.reason);
  frame.signal.addEventListener("abort", onParent, { once: true });
  return new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new StepTimeoutError(path, ms);
      ac.abort(err);
      reject(err);
    }, ms);
    attemptOnce(node, frame, rs, path, attempt, ac.signal).then(resolve, reject).finally(() => {
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
