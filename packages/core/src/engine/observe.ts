/**
 * Internal instrumentation: observers that see every execution when it settles (its result, the
 * events its listener received, the artifacts it wrote, the secret values its masker holds) and
 * every execution record file when it is closed. The secret canary (./canary.ts) is the one user.
 * Not a public API: exported only from `@capstan/core/internal`.
 *
 * Nothing is collected while no observer is registered: `runCompiled` checks `watching()` once.
 */
import type { ArtifactData, ArtifactInfo, ArtifactStore } from "../runtime/storage.js";
import type { EventListener, ExecutionEvent } from "./events.js";
import type { RegisteredSecret } from "./mask.js";
import type { Execution } from "./records.js";

export interface SettledExecution {
  readonly executionId: string;
  readonly flowId: string;
  /** What `flow.run()` resolved with. */
  readonly result: Execution<unknown>;
  /** Every event the run's `onEvent` received, in order (none when nobody listened). */
  readonly events: readonly ExecutionEvent[];
  /** The secret values the run's masker held at the end, with their names. */
  readonly secrets: readonly RegisteredSecret[];
  /** The artifact store under the run's `ctx.storage` (unscoped). */
  readonly storage: ArtifactStore;
  /** `capstan://<flow>/<execution>/`: where the run's relative artifact paths land. */
  readonly prefix: string;
  /** URIs written through `ctx.storage`, including absolute ones outside `prefix`. */
  readonly written: readonly string[];
}

export interface ClosedRecord {
  readonly executionId: string;
  /** The JSON-lines record file. */
  readonly file: string;
}

export interface ExecutionObserver {
  /** Awaited before `flow.run()` resolves; a throw is swallowed (an observer never fails a run). */
  settled?(execution: SettledExecution): void | Promise<void>;
  /** Called synchronously when a Recorder closes its file (completed, suspended or failed). */
  recordClosed?(record: ClosedRecord): void;
}

const observers = new Set<ExecutionObserver>();

/** Registers an observer for every later execution; returns the function that unregisters it. */
export function observeExecutions(observer: ExecutionObserver): () => void {
  observers.add(observer);
  return () => void observers.delete(observer);
}

export function observerCount(): number {
  return observers.size;
}

/** What one execution collects for the observers while it runs. */
export class ExecutionWatch {
  readonly events: ExecutionEvent[] = [];
  readonly written: string[] = [];

  /** The listener to give the engine: records what the caller's listener receives. */
  listener(inner: EventListener | undefined): EventListener | undefined {
    if (!inner) return undefined;
    return (event) => {
      this.events.push(event);
      inner(event);
    };
  }

  /** The store to scope for `ctx.storage`: records the URI of every write. */
  store(inner: ArtifactStore): ArtifactStore {
    const written = this.written;
    return {
      async put(path: string, data: ArtifactData, options?: { contentType?: string }): Promise<ArtifactInfo> {
        const info = await inner.put(path, data, options);
        written.push(info.uri);
        return info;
      },
      get: (uri) => inner.get(uri),
      stream: (uri) => inner.stream(uri),
      stat: (uri) => inner.stat(uri),
      list: (prefix) => inner.list(prefix),
      delete: (uri) => inner.delete(uri),
    };
  }

  async settle(execution: Omit<SettledExecution, "events" | "written">): Promise<void> {
    const full: SettledExecution = { ...execution, events: this.events, written: this.written };
    for (const o of [...observers]) {
      try {
        await o.settled?.(full);
      } catch {
        // Instrumentation must not change what a run returns.
      }
    }
  }
}

/** A watch for a starting execution, or undefined (the common case) when nobody observes. */
export function watchExecution(): ExecutionWatch | undefined {
  return observers.size === 0 ? undefined : new ExecutionWatch();
}

export function notifyRecordClosed(record: ClosedRecord): void {
  if (observers.size === 0) return;
  for (const o of [...observers]) {
    try {
      o.recordClosed?.(record);
    } catch {
      // As above: a record is closed whatever an observer does.
    }
  }
}
