/**
 * The scheduler: a scope's nodes start as soon as their dependencies finish, so independent
 * steps run concurrently. After a failure no new node starts; running ones are awaited, then the
 * scope rejects with the first failure. forEach, if and parallel run child scopes.
 */
import type { CompiledNode, CompiledScope } from "../graph/compile.js";
import { concurrencyProblem, validConcurrency } from "../graph/compile.js";
import type { ForEachNode, IfNode } from "../dsl/nodes.js";
import type { FailureInfo } from "../dsl/context.js";
import type { ItemFailure, StepRecord } from "./records.js";
import type { RunState } from "./state.js";
import { Frame, newFrame, StepContext } from "./state.js";
import type { Done } from "./step.js";
import { errorInfo, finishRecord, restoreCompleted, runStep, startRecord } from "./step.js";
import { CancelledError, CapstanError, StepFailedError, messageOf } from "../errors.js";

/** Runs a scope to the end: resolves, or rejects with the first failure. */
export function runScope(scope: CompiledScope, frame: Frame, rs: RunState): Promise<void> {
  return new Promise<void>((resolve, reject) => startScope(scope, frame, rs, SETTLE, { resolve, reject }));
}

const SETTLE: Done<{ resolve: () => void; reject: (err: unknown) => void }> = {
  ok: (p) => p.resolve(),
  err: (p, err) => p.reject(err),
};

/** Runs a scope and reports to `done` (see Done): what a forEach does per item, without a promise. */
export function startScope<T>(scope: CompiledScope, frame: Frame, rs: RunState, done: Done<T>, token: T): void {
  const nodes = scope.nodes;
  const n = nodes.length;
  if (n === 0) return void Promise.resolve().then(() => done.ok(token));
  // A one-node scope (the usual forEach body) needs no scheduling.
  if (n === 1) return runNode(nodes[0]!, frame, rs, done, token);
  const waiting = new Int32Array(n);
  for (let i = 0; i < n; i++) waiting[i] = nodes[i]!.deps.length;
  let running = 0;
  let finished = 0;
  let failure: unknown;
  const settle = () => {
    if (running > 0) return;
    if (failure !== undefined) done.err(token, failure);
    else if (finished === n) done.ok(token);
    else done.err(token, frame.signal.aborted ? new CancelledError() : new CapstanError("CAPSTAN_INTERNAL", "scheduler stalled with steps left", { retryable: false }));
  };
  // One pair of callbacks for the whole scope: a node reports its index.
  const ended: Done<number> = {
    ok: (i) => {
      running--;
      finished++;
      if (failure === undefined && !frame.signal.aborted) {
        for (const d of nodes[i]!.dependents) if (--waiting[d]! === 0) start(d);
      }
      settle();
    },
    err: (_i, err) => {
      running--;
      if (failure === undefined) failure = err;
      settle();
    },
  };
  const start = (i: number) => {
    running++;
    runNode(nodes[i]!, frame, rs, ended, i);
  };
  for (let i = 0; i < n; i++) if (waiting[i] === 0) start(i);
}

function runNode<T>(cn: CompiledNode, frame: Frame, rs: RunState, done: Done<T>, token: T): void {
  switch (cn.node.kind) {
    case "step":
      return runStep(cn, frame, rs, done, token);
    case "forEach":
      return reportOn(runForEach(cn, frame, rs), done, token);
    case "if":
      return reportOn(runIf(cn, frame, rs), done, token);
    case "parallel":
      return reportOn(runParallel(cn, frame, rs), done, token);
  }
}

function reportOn<T>(p: Promise<void>, done: Done<T>, token: T): void {
  p.then(
    () => done.ok(token),
    (err: unknown) => done.err(token, err),
  );
}

/** Wraps a control node's own evaluation (items function, condition) like a step, for records and events. */
async function control(cn: CompiledNode, frame: Frame, rs: RunState, body: (record: StepRecord, path: string) => Promise<unknown>): Promise<void> {
  const path = frame.prefix + cn.node.id;
  const record = startRecord(rs, frame, cn, path);
  if (rs.resume && restoreCompleted(rs, frame, record)) return;
  record.attempts = 1;
  rs.emit?.({ type: "step.started", executionId: rs.execution.id, time: Date.now(), path, stepId: cn.node.id, kind: cn.node.kind, attempt: 1 });
  try {
    await body(record, path);
    finishRecord(rs, record, "SUCCESS");
  } catch (err) {
    const cancelled = frame.signal.aborted || err instanceof CancelledError;
    const wrapped = err instanceof StepFailedError || cancelled ? err : new StepFailedError(path, 1, err);
    finishRecord(rs, record, cancelled ? "CANCELLED" : "FAILED", errorInfo(rs, wrapped, path));
    throw cancelled ? new CancelledError() : wrapped;
  }
}

function runForEach(cn: CompiledNode, frame: Frame, rs: RunState): Promise<void> {
  const node = cn.node as ForEachNode;
  const continueOnError = node.options.onItemError === "continue";
  return control(cn, frame, rs, async (record, path) => {
    const ctx = new StepContext(rs, frame, node.id, path, 1, frame.signal);
    const items = Array.isArray(node.items) ? node.items : await (node.items as (c: unknown) => unknown)(ctx);
    if (!Array.isArray(items)) {
      throw new CapstanError("CAPSTAN_STEP_FAILED", `forEach "${path}": the items function returned ${items === null ? "null" : typeof items}, not an array`, {
        hint: "return an array from the items function",
        retryable: false,
      });
    }
    const total = items.length;
    const results = new Array<unknown>(total);
    const summary = { total, succeeded: 0, failed: 0, failures: [] as ItemFailure[] };
    record.items = summary;
    const body = cn.scopes.body!;
    let next = 0;
    let firstFailure: unknown;
    const onItemDone = (i: number, itemFrame: Frame) => {
      if (rs.emit) rs.emit({ type: "item.finished", executionId: rs.execution.id, time: Date.now(), path: `${path}[${i}]`, forEach: path, index: i, state: "SUCCESS" });
      const steps = { ...itemFrame.outputs };
      results[i] = continueOnError ? { ok: true, item: items[i], index: i, steps } : steps;
      summary.succeeded++;
    };
    const onItemError = async (i: number, itemFrame: Frame, err: unknown) => {
      const itemPath = `${path}[${i}]`;
      if (err instanceof CancelledError || frame.signal.aborted) {
        rs.emit?.({ type: "item.finished", executionId: rs.execution.id, time: Date.now(), path: itemPath, forEach: path, index: i, state: "CANCELLED" });
        throw err;
      }
      const info = errorInfo(rs, err);
      rs.emit?.({ type: "item.finished", executionId: rs.execution.id, time: Date.now(), path: itemPath, forEach: path, index: i, state: "FAILED", error: info });
      summary.failed++;
      summary.failures.push({ index: i, path: info.stepPath ?? itemPath, error: info });
      if (cn.scopes.errors) await runItemErrors(cn.scopes.errors, itemFrame, rs, err, info.stepPath ?? path, i, `${itemPath}.`);
      if (!continueOnError) throw err;
      const id = info.stepPath ? info.stepPath.slice(info.stepPath.lastIndexOf(".") + 1) : node.id;
      results[i] = { ok: false, item: items[i], index: i, error: { stepId: id, code: info.code, message: info.message } };
    };
    const fault = (err: unknown) => {
      if (firstFailure === undefined) firstFailure = err;
    };
    // A fixed pool of workers pulling the next index: memory stays O(concurrency), not O(items).
    // Callbacks rather than async workers: a finished item starts the next one at once, and an
    // item's frame tells which item ended, so an item costs no closure and no promise of its own.
    let active = 0;
    let allDone!: () => void;
    const itemEnded: Done<Frame> = {
      ok: (itemFrame) => {
        try {
          onItemDone(itemFrame.index, itemFrame);
        } catch (err) {
          fault(err);
        }
        nextItem();
      },
      err: (itemFrame, err) => void onItemError(itemFrame.index, itemFrame, err).then(nextItem, (e: unknown) => (fault(e), nextItem())),
    };
    const nextItem = (): void => {
      if (next >= total || firstFailure !== undefined || frame.signal.aborted) {
        if (--active === 0) allDone();
        return;
      }
      const i = next++;
      const itemFrame = new Frame(frame, rs.allIds, items[i], i, undefined, true, frame.signal, frame.error, path);
      if (rs.emit) {
        try {
          rs.emit({ type: "item.started", executionId: rs.execution.id, time: Date.now(), path: `${path}[${i}]`, forEach: path, index: i, total });
        } catch (err) {
          fault(err);
          return nextItem();
        }
      }
      startScope(body, itemFrame, rs, itemEnded, itemFrame);
    };
    let limit = cn.concurrency;
    if (typeof node.options.concurrency === "function") {
      const c: unknown = await node.options.concurrency(ctx);
      if (!validConcurrency(c)) throw new CapstanError("CAPSTAN_FLOW_INVALID", concurrencyProblem(path, c), { hint: "return a whole number >= 1 (or Infinity) from the concurrency function", retryable: false });
      limit = c;
    }
    const pool = Math.min(limit, total);
    if (pool > 0) {
      const done = new Promise<void>((resolve) => (allDone = resolve));
      active = pool;
      for (let w = 0; w < pool; w++) nextItem();
      await done;
    }
    if (frame.signal.aborted) throw new CancelledError();
    if (firstFailure !== undefined) throw firstFailure;
    frame.outputs[node.id] = results;
    record.output = results;
    return results;
  });
}

async function runItemErrors(scope: CompiledScope, itemFrame: Frame, rs: RunState, err: unknown, stepPath: string, index: number, prefix: string): Promise<void> {
  const info = errorInfo(rs, err, stepPath);
  const failure: FailureInfo = {
    stepId: stepPath.slice(stepPath.lastIndexOf(".") + 1),
    path: stepPath,
    code: info.code,
    message: info.message,
    error: err instanceof Error ? err : new Error(messageOf(err)),
  };
  const errFrame = newFrame(itemFrame, rs, { item: itemFrame.item, index, prefix: `${prefix}errors.`, inItem: true, signal: itemFrame.signal, error: failure });
  try {
    await runScope(scope, errFrame, rs);
  } catch {
    // The item has already failed; a failing rollback is in the events and must not mask the original error.
  }
}

function runIf(cn: CompiledNode, frame: Frame, rs: RunState): Promise<void> {
  const node = cn.node as IfNode;
  return control(cn, frame, rs, async (record, path) => {
    const ctx = new StepContext(rs, frame, node.id, path, 1, frame.signal);
    const taken = (await node.cond(ctx)) ? "then" : "else";
    record.taken = taken;
    const skipped = taken === "then" ? "else" : "then";
    markSkipped(cn.scopes[skipped]!, frame, rs, `${path}.${skipped}.`);
    const armFrame = newFrame(frame, rs, { prefix: `${path}.${taken}.`, signal: frame.signal });
    await runScope(cn.scopes[taken]!, armFrame, rs);
    const result = { taken, steps: { ...armFrame.outputs } };
    frame.outputs[node.id] = result;
    record.output = result;
    return result;
  });
}

function markSkipped(scope: CompiledScope, frame: Frame, rs: RunState, prefix: string): void {
  for (const c of scope.nodes) {
    const record = startRecord(rs, frame, c, prefix + c.node.id, c.node.kind === "step" ? (c.node.task?.type ?? "function") : undefined);
    finishRecord(rs, record, "SKIPPED");
  }
}

function runParallel(cn: CompiledNode, frame: Frame, rs: RunState): Promise<void> {
  return control(cn, frame, rs, async (record, path) => {
    const names = Object.keys(cn.scopes);
    const frames = names.map((name) => newFrame(frame, rs, { prefix: `${path}.${name}.`, signal: frame.signal }));
    const settled = await Promise.allSettled(names.map((name, i) => runScope(cn.scopes[name]!, frames[i]!, rs)));
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const result = Object.fromEntries(names.map((name, i) => [name, { ...frames[i]!.outputs }]));
    frame.outputs[cn.node.id] = result;
    record.output = result;
    return result;
  });
}
