/** Folds a record's lines, in order, into what `capstan executions show` displays. */
import type { ErrorInfo } from "../engine/events.js";
import type { RecordCreated, RecordLine, StoredExecution, StoredLog, StoredState, StoredStep } from "./types.js";

export interface Liveness {
  /** A live process holds the execution's lock. */
  readonly live: boolean;
}

export function foldRecord(lines: readonly RecordLine[], liveness: Liveness, torn = false): StoredExecution | undefined {
  const head = lines[0];
  if (!head || head.type !== "record.created") return undefined;
  const steps: Record<string, StoredStep> = {};
  const logs: StoredLog[] = [];
  let startedAt: number | undefined;
  let endedAt: number | undefined;
  let durationMs: number | undefined;
  let finished: StoredState | undefined;
  let error: ErrorInfo | undefined;
  let outputs: unknown;
  let runs = 0;
  for (let i = 1; i < lines.length; i++) {
    const e = lines[i]!;
    switch (e.type) {
      case "execution.started":
        startedAt ??= e.time;
        if (runs === 0) runs = 1;
        break;
      case "record.resumed":
        runs++;
        finished = undefined;
        break;
      case "step.started": {
        const prev = steps[e.path];
        // A new run of the step (first attempt, or a re-run after resume) restarts its clock.
        if (!prev || e.attempt === 1 || prev.state !== "RUNNING") {
          steps[e.path] = { path: e.path, id: e.stepId, kind: e.kind, ...(e.task ? { task: e.task } : {}), state: "RUNNING", attempts: e.attempt, startedAt: e.time };
        } else {
          prev.attempts = e.attempt;
        }
        break;
      }
      case "step.retrying": {
        const s = steps[e.path];
        if (s) (s.retries ??= []).push({ attempt: e.attempt, delayMs: e.delayMs, error: e.error });
        break;
      }
      case "step.checkpoint": {
        const s = steps[e.path];
        if (s) s.checkpoint = e.data;
        break;
      }
      case "step.finished": {
        const prev = steps[e.path];
        // Reused output: the earlier run's record (timings, attempts) is the true one.
        if (e.resumed && prev?.state === "SUCCESS") break;
        const s: StoredStep = prev ?? { path: e.path, id: e.stepId, kind: e.kind, state: e.state, attempts: e.attempts };
        s.state = e.state;
        s.attempts = e.attempts;
        s.endedAt = e.time;
        s.durationMs = e.durationMs;
        s.startedAt ??= e.time - e.durationMs;
        if (e.output !== undefined) s.output = e.output;
        if (e.error) s.error = e.error;
        else delete s.error;
        if (e.allowed) s.allowed = true;
        if (e.resumed) s.resumed = true;
        steps[e.path] = s;
        break;
      }
      case "item.started": {
        const s = steps[e.forEach];
        if (s) s.items = { total: e.total, succeeded: s.items?.succeeded ?? 0, failed: s.items?.failed ?? 0 };
        break;
      }
      case "item.finished": {
        const items = steps[e.forEach]?.items;
        if (items && e.state === "SUCCESS") items.succeeded++;
        else if (items && e.state === "FAILED") items.failed++;
        break;
      }
      case "log":
        logs.push(e.fields ? { time: e.time, path: e.path, stepId: e.stepId, level: e.level, message: e.message, fields: e.fields } : { time: e.time, path: e.path, stepId: e.stepId, level: e.level, message: e.message });
        break;
      case "execution.finished":
        finished = e.state;
        endedAt = e.time;
        durationMs = startedAt === undefined ? e.durationMs : e.time - startedAt;
        error = e.error;
        break;
      case "record.outputs":
        outputs = e.outputs;
        break;
      default:
        break;
    }
  }
  const state: StoredState = finished ?? (liveness.live ? (startedAt === undefined ? "QUEUED" : "RUNNING") : "INTERRUPTED");
  if (state === "INTERRUPTED") for (const s of Object.values(steps)) if (s.state === "RUNNING") s.state = "INTERRUPTED";
  return {
    ...summaryFields(head, state),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(error ? { error } : {}),
    ...(head.flowFile ? { flowFile: head.flowFile } : {}),
    inputs: head.inputs,
    ...(startedAt !== undefined ? { startedAt } : {}),
    runs,
    steps,
    ...(outputs !== undefined ? { outputs } : {}),
    logs,
    torn,
  };
}

export function summaryFields(head: RecordCreated, state: StoredState) {
  return { id: head.executionId, flowId: head.flowId, state, trigger: head.trigger, labels: head.labels, createdAt: head.time };
}
