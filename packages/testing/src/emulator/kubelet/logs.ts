/** Per-container-run log buffers with RFC3339Nano timestamps, and the filtering/follow logic of `pods/log`. */

import type { LogOptions } from "./types.js";

export interface LogLine {
  /** Epoch ms plus a sub-millisecond sequence, kept as a sortable nanosecond timestamp string. */
  time: string;
  ms: number;
  /** Line text including its trailing newline (the last line of a run may lack one). */
  text: string;
}

/** Formats epoch ms + nanos within the ms as RFC3339Nano (9 fractional digits, as the kubelet prints). */
export function rfc3339Nano(ms: number, subNanos: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${nanos(ms, subNanos)}Z`;
}

const nanos = (ms: number, subNanos: number) => String((ms % 1000) * 1_000_000 + subNanos).padStart(9, "0");

/** A served chunk holds whole lines up to about this many bytes: one write per line is far too slow. */
const CHUNK = 64 * 1024;

/** The log of one container run (one instance; restarts get a new buffer). */
export class LogBuffer {
  readonly lines: LogLine[] = [];
  #partial = "";
  #closed = false;
  #waiters: (() => void)[] = [];
  #lastMs = 0;
  #seq = 0;
  /** `YYYY-MM-DDTHH:MM:SS` of #lastMs: lines pushed in the same second share it. */
  #second = "";
  #secondMs = NaN;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Appends output; complete lines become visible at once, a partial line when it ends or the run ends. */
  write(text: string): void {
    if (this.#closed) return;
    const all = this.#partial + text;
    let start = 0;
    for (let nl = all.indexOf("\n"); nl !== -1; nl = all.indexOf("\n", start)) {
      this.#push(all.slice(start, nl + 1));
      start = nl + 1;
    }
    this.#partial = start ? all.slice(start) : all;
    if (start) this.#wake();
  }

  close(): void {
    if (this.#closed) return;
    if (this.#partial) this.#push(this.#partial);
    this.#partial = "";
    this.#closed = true;
    this.#wake();
  }

  #push(text: string): void {
    const ms = this.#now();
    // Keep timestamps strictly increasing so sinceTime and ordering stay lossless.
    if (ms === this.#lastMs) this.#seq++;
    else if (ms > this.#lastMs) {
      this.#lastMs = ms;
      this.#seq = 0;
    } else this.#seq++;
    const at = Math.max(ms, this.#lastMs);
    const second = at - (at % 1000);
    if (second !== this.#secondMs) {
      this.#secondMs = second;
      this.#second = new Date(at).toISOString().slice(0, 19);
    }
    this.lines.push({ time: `${this.#second}.${nanos(at, this.#seq)}Z`, ms: at, text });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when new lines arrive or the buffer closes. */
  changed(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.#waiters.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}

/**
 * Streams a buffer according to the log options (sinceTime/sinceSeconds, tailLines, timestamps,
 * limitBytes, follow), in chunks of whole lines (up to CHUNK bytes) as a kubelet copies its log file.
 */
export async function* streamLog(buffer: LogBuffer, options: LogOptions, nowMs: number, signal?: AbortSignal): AsyncGenerator<string> {
  let sinceMs: number | undefined;
  if (options.sinceTime) sinceMs = Date.parse(options.sinceTime);
  else if (options.sinceSeconds !== undefined) sinceMs = nowMs - options.sinceSeconds * 1000;
  const lines = buffer.lines;
  let start = 0;
  if (sinceMs !== undefined) {
    // Lines are in time order: the first at or after sinceMs, by bisection (a resumed read of a long log).
    let hi = lines.length;
    while (start < hi) {
      const mid = (start + hi) >>> 1;
      if ((lines[mid] as LogLine).ms < sinceMs) start = mid + 1;
      else hi = mid;
    }
  }
  if (options.tailLines !== undefined && options.tailLines >= 0) start = Math.max(start, lines.length - options.tailLines);
  let budget = options.limitBytes !== undefined && options.limitBytes > 0 ? options.limitBytes : Infinity;
  let i = start;
  for (;;) {
    while (i < lines.length) {
      let chunk = "";
      while (i < lines.length && chunk.length < CHUNK) {
        const line = lines[i++] as LogLine;
        chunk += options.timestamps ? `${line.time} ${line.text}` : line.text;
      }
      if (budget !== Infinity) {
        const bytes = Buffer.byteLength(chunk);
        if (bytes >= budget) {
          const cut = Buffer.from(chunk).subarray(0, budget).toString();
          if (cut) yield cut;
          return;
        }
        budget -= bytes;
      }
      yield chunk;
    }
    if (!options.follow || buffer.closed || signal?.aborted) return;
    await buffer.changed(signal);
    if (signal?.aborted) return;
  }
}
