/** A view of a running execution built from its events: what the terminal reporters draw. */
import type { ErrorInfo, ExecutionEvent, ExecutionState, NodeKind, StepState } from "../engine/events.js";

export interface StepView {
  path: string;
  id: string;
  kind: NodeKind;
  task?: string;
  state: StepState;
  attempt: number;
  startedAt: number;
  durationMs?: number;
  error?: ErrorInfo;
  allowed?: boolean;
  retryAt?: number;
  /** What a running step last said it is doing (`ctx.phase`: a pod step's `scheduling`, `running`...). */
  phase?: string;
  /** forEach only: item progress, counted from item step paths. */
  items?: { total: number | undefined; running: Set<number>; done: Set<number>; failed: Set<number> };
  children: StepView[];
}

export class RunModel {
  readonly roots: StepView[] = [];
  readonly byPath = new Map<string, StepView>();
  flowId = "";
  executionId = "";
  startedAt = Date.now();
  state: ExecutionState | undefined;
  durationMs: number | undefined;
  error: ErrorInfo | undefined;

  apply(e: ExecutionEvent): void {
    switch (e.type) {
      case "execution.started":
        this.flowId = e.flowId;
        this.executionId = e.executionId;
        this.startedAt = e.time;
        return;
      case "execution.finished":
        this.state = e.state;
        this.durationMs = e.durationMs;
        this.error = e.error;
        return;
      case "log":
        return;
      case "item.started": {
        const items = this.byPath.get(e.forEach)?.items;
        if (!items) return;
        items.total = e.total;
        items.running.add(e.index);
        return;
      }
      case "item.finished": {
        const items = this.byPath.get(e.forEach)?.items;
        if (!items) return;
        items.running.delete(e.index);
        if (e.state === "SUCCESS") items.done.add(e.index);
        else if (e.state === "FAILED") items.failed.add(e.index);
        return;
      }
      case "step.started": {
        if (insideItem(e.path)) return;
        let v = this.byPath.get(e.path);
        if (!v) {
          v = { path: e.path, id: e.stepId, kind: e.kind, state: "RUNNING", attempt: e.attempt, startedAt: e.time, children: [] };
          if (e.task) v.task = e.task;
          if (e.kind === "forEach") v.items = { total: undefined, running: new Set(), done: new Set(), failed: new Set() };
          this.byPath.set(e.path, v);
          this.#parentOf(e.path).push(v);
        }
        v.state = "RUNNING";
        v.attempt = e.attempt;
        delete v.retryAt;
        delete v.phase;
        return;
      }
      case "step.phase": {
        const v = this.byPath.get(e.path);
        if (v) v.phase = e.phase;
        return;
      }
      case "step.retrying": {
        const v = this.byPath.get(e.path);
        if (v) v.retryAt = e.time + e.delayMs;
        return;
      }
      case "step.finished": {
        if (insideItem(e.path)) return;
        let v = this.byPath.get(e.path);
        if (!v) {
          // Skipped arms are finished without having started.
          v = { path: e.path, id: e.stepId, kind: e.kind, state: e.state, attempt: e.attempts, startedAt: e.time, children: [] };
          this.byPath.set(e.path, v);
          this.#parentOf(e.path).push(v);
        }
        v.state = e.state;
        v.durationMs = e.durationMs;
        if (e.error) v.error = e.error;
        if (e.allowed) v.allowed = true;
        return;
      }
    }
  }

  #parentOf(path: string): StepView[] {
    // `gate.then.promote` hangs under `gate`; `errors.alert` is a root of its own.
    const parts = path.split(".");
    for (let n = parts.length - 2; n >= 1; n--) {
      const parent = this.byPath.get(parts.slice(0, n).join("."));
      if (parent) return parent.children;
    }
    return this.roots;
  }
}

/** Steps inside forEach items are shown as the forEach's counts, not one line each. */
function insideItem(path: string): boolean {
  return /\[\d+\]\./.test(path);
}
