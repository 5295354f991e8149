/**
 * Writes one execution's record as the engine emits events. Each line is one synchronous
 * `write(2)` on an O_APPEND descriptor, so once an event is delivered it survives the process
 * being killed. Surviving a machine crash needs `fdatasync`, which costs about a millisecond or two:
 *
 * - `group` (default): lines whose loss would make a resume do the wrong thing are synced before
 *   the engine goes on: the record's own lines, the start and end of the execution, checkpoints
 *   (they name external resources, e.g. a pod), and the start of every `idempotent: false` step
 *   (so a resume knows it may have taken effect). Everything else is synced within `groupMs`;
 *   losing those lines to a power cut only makes a resume run those steps again.
 * - `every`: every step start, finish and checkpoint is synced before the engine goes on.
 * - `none`: flushing is left to the OS (still safe against a killed process).
 */
import { closeSync, fdatasyncSync, writeSync } from "node:fs";
import type { ExecutionEvent } from "../engine/events.js";
import type { Execution } from "../engine/records.js";
import type { RecordCreated, RecordLine } from "./types.js";
import { openForAppend, toLine } from "./jsonl.js";
import { acquireLock, releaseLock, HOST } from "./lock.js";
import { notifyRecordClosed } from "../engine/observe.js";

export type SyncPolicy = "group" | "every" | "none";

const ALWAYS = new Set<string>(["record.created", "record.resumed", "record.suspended", "record.outputs", "execution.started", "execution.finished", "step.checkpoint"]);
const EVERY = new Set<string>([...ALWAYS, "step.started", "step.finished"]);

export class Recorder {
  readonly id: string;
  readonly file: string;
  readonly #lock: string;
  readonly #sync: SyncPolicy;
  readonly #groupMs: number;
  readonly #unsafe: ((path: string) => boolean) | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #header: RecordCreated | undefined;
  #resumed: readonly string[] | undefined;
  #fd: number | undefined;
  #closed = false;
  /** The first write failure (disk full, ...): recording stops, the run goes on. */
  error: Error | undefined;

  /** @internal Use ExecutionStore.begin / reopen. */
  constructor(init: { id: string; file: string; lock: string; sync: SyncPolicy; groupMs?: number; unsafeStep?: (path: string) => boolean; header?: RecordCreated; rerun?: readonly string[] }) {
    this.id = init.id;
    this.file = init.file;
    this.#lock = init.lock;
    this.#sync = init.sync;
    this.#groupMs = init.groupMs ?? 20;
    this.#unsafe = init.unsafeStep;
    this.#header = init.header;
    this.#resumed = init.rerun;
  }

  /** Whether the record exists on disk yet (it is created with the first event, or by `open()`). */
  get opened(): boolean {
    return this.#fd !== undefined;
  }

  /**
   * Creates (or, for a resume, takes over) the record now: locks it and writes the first line.
   * Called implicitly by the first event; call it early for executions that wait in a queue.
   */
  open(): this {
    if (this.#fd !== undefined || this.#closed) return this;
    acquireLock(this.#lock, this.id);
    try {
      this.#fd = openForAppend(this.file);
    } catch (e) {
      releaseLock(this.#lock);
      throw e;
    }
    if (this.#header) this.#write(this.#header);
    else this.#write({ type: "record.resumed", time: Date.now(), host: HOST, pid: process.pid, rerun: this.#resumed ?? [] });
    return this;
  }

  /** The engine's `onEvent`: an arrow so it can be passed as is. */
  readonly onEvent = (event: ExecutionEvent): void => {
    if (this.#closed) return;
    if (this.#fd === undefined) {
      try {
        this.open();
      } catch (e) {
        this.#fail(e);
        return;
      }
    }
    this.#write(event);
  };

  /** Records the flow's outputs and releases the execution. */
  complete(execution: Pick<Execution, "state" | "outputs">): void {
    if (this.#closed) return;
    if (this.#fd !== undefined && execution.state === "SUCCESS" && execution.outputs !== undefined) this.#write({ type: "record.outputs", time: Date.now(), outputs: execution.outputs });
    this.#close();
  }

  /** Stops recording on purpose, leaving the execution resumable; later events are ignored. */
  suspend(reason: string): void {
    if (this.#closed) return;
    if (this.#fd !== undefined) this.#write({ type: "record.suspended", time: Date.now(), reason });
    this.#close();
  }

  /** Releases the execution without writing anything more (e.g. the inputs were invalid and nothing ran). */
  close(): void {
    this.#close();
  }

  #write(line: RecordLine): void {
    if (this.#fd === undefined) return;
    try {
      writeSync(this.#fd, toLine(line));
      if (this.#sync === "none") return;
      const now = this.#sync === "every" ? EVERY.has(line.type) : ALWAYS.has(line.type) || (line.type === "step.started" && this.#unsafe?.(line.path) === true);
      if (now) this.#flush();
      else this.#later();
    } catch (e) {
      this.#fail(e);
    }
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = false;
    if (this.#fd !== undefined) fdatasyncSync(this.#fd);
  }

  /** Group commit: one sync covers every line written in the next `groupMs`. */
  #later(): void {
    this.#dirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        if (this.#dirty && !this.#closed) this.#flush();
      } catch (e) {
        this.#fail(e);
      }
    }, this.#groupMs);
    // A pending sync must not keep a finished program alive; close() syncs what is left.
    this.#timer.unref();
  }

  #fail(e: unknown): void {
    this.error ??= e instanceof Error ? e : new Error(String(e));
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#fd !== undefined) {
      try {
        if (this.#dirty && this.#sync !== "none") fdatasyncSync(this.#fd);
        closeSync(this.#fd);
      } catch {
        // The descriptor is gone either way.
      }
      releaseLock(this.#lock);
      // The secret canary (tests) checks the finished file; nothing happens without an observer.
      notifyRecordClosed({ executionId: this.id, file: this.file });
    }
  }
}
