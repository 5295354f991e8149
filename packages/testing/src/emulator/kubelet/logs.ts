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
  const iso = new Date(ms).toISOString();
  const nanos = String((ms % 1000) * 1_000_000 + subNanos).padStart(9, "0");
  return `${iso.slice(0, 19)}.${nanos}Z`;
}

/** The log of one container run (one instance; restarts get a new buffer). */
export class LogBuffer {
  readonly lines: LogLine[] = [];
  #partial = "";
  #closed = false;
  #waiters: (() => void)[] = [];
  #lastMs = 0;
  #seq = 0;
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
    const parts = all.split(/(?<=\n)/);
    const last = parts[parts.length - 1] ?? "";
    this.#partial = last.endsWith("\n") ? "" : last;
    const complete = last.endsWith("\n") ? parts : parts.slice(0, -1);
    for (const line of complete) this.#push(line);
    if (complete.length) this.#wake();
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
    this.lines.push({ time: rfc3339Nano(at, this.#seq), ms: at, text });
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

/** Streams a buffer according to the log options (sinceTime/sinceSeconds, tailLines, timestamps, limitBytes, follow). */
export async function* streamLog(buffer: LogBuffer, options: LogOptions, nowMs: number, signal?: AbortSignal): AsyncGenerator<string> {
  let sinceMs: number | undefined;
  if (options.sinceTime) sinceMs = Date.parse(options.sinceTime);
  else if (options.sinceSeconds !== undefined) sinceMs = nowMs - options.sinceSeconds * 1000;
  let start = 0;
  if (sinceMs !== undefined) {
    while (start < buffer.lines.length && (buffer.lines[start]?.ms ?? 0) < sinceMs) start++;
  }
  if (options.tailLines !== undefined && options.tailLines >= 0) start = Math.max(start, buffer.lines.length - options.tailLines);
  let budget = options.limitBytes !== undefined && options.limitBytes > 0 ? options.limitBytes : Infinity;
  let i = start;
  for (;;) {
    while (i < buffer.lines.length) {
      const line = buffer.lines[i++] as LogLine;
      let text = options.timestamps ? `${line.time} ${line.text}` : line.text;
      const bytes = Buffer.byteLength(text);
      if (bytes > budget) {
        text = Buffer.from(text).subarray(0, budget).toString();
        if (text) yield text;
        return;
      }
      budget -= bytes;
      yield text;
    }
    if (!options.follow || buffer.closed || signal?.aborted) return;
    await buffer.changed(signal);
    if (signal?.aborted) return;
  }
}
