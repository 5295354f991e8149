/**
 * Follows one container's log until its last line, however often the stream is cut. Each read
 * starts at the cursor (`sinceTime`) and the cursor drops what was already read. A stream that
 * ends, cleanly or not, is not trusted to be the end: the container's state decides. Once the
 * container is seen terminated, one more read from the cursor (which now cannot grow) fetches the
 * tail, and the container's last line (`tailLines=1`) confirms that read got to the end (else it
 * is read again): two small requests and no fixed wait. A partial last line is only taken from a
 * final read, since anywhere else it may be a fragment of a cut line.
 */
import { KubernetesError } from "../../errors.js";
import type { KubeClient } from "../../client/client.js";
import { LogCursor, parseLine } from "./log-cursor.js";
import { openLog } from "./log-request.js";

export interface ContainerProbe {
  /** The pod no longer exists (or is another pod with the same name). */
  gone: boolean;
  terminated: boolean;
  restartCount: number;
}

export interface ContainerLogOptions {
  client: KubeClient;
  namespace: string;
  pod: string;
  container: string;
  cursor: LogCursor;
  /** Each new line's text (timestamp removed), in order. */
  onLine: (text: string) => void;
  /**
   * Called right after the lines of each piece of a stream were passed to `onLine`, in the same
   * tick: the moment to checkpoint the cursor, so that it never lags behind what was logged.
   */
  onChunk?: () => void;
  /** The container's current state (a fresh read of the pod). */
  probe: () => Promise<ContainerProbe | undefined>;
  signal: AbortSignal;
  /** The tail could not be read after retries (logged by the caller). */
  onGiveUp?: (error: unknown) => void;
  /** Backoff between reads that made no progress. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

const MAX_FINAL_FAILURES = 6;

export class ContainerLog {
  readonly #o: ContainerLogOptions;
  #finishing = false;
  readonly #wake = new AbortController();
  #lines = 0;
  #restarts: number | undefined;
  readonly done: Promise<void>;

  constructor(options: ContainerLogOptions) {
    this.#o = options;
    this.done = this.#run().catch(() => {
      // Only the step's signal ends the loop with an error; the step reports that itself.
    });
  }

  /** Lines read so far. */
  get lines(): number {
    return this.#lines;
  }

  /**
   * For a container that will not end by itself (a sidecar) or a pod that is going away: stop
   * following, read once more from the cursor, and resolve when that is done. With `graceMs`, a
   * stream still open may first end by itself (a stopping container's last lines).
   */
  async finish(graceMs = 0): Promise<void> {
    if (graceMs > 0 && !this.#finishing) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.done, new Promise((r) => (t = setTimeout(r, graceMs)))]);
      clearTimeout(t);
    }
    if (!this.#finishing) {
      this.#finishing = true;
      this.#wake.abort();
    }
    return this.done;
  }

  async #run(): Promise<void> {
    const { signal } = this.#o;
    const min = this.#o.minDelayMs ?? 100;
    const max = this.#o.maxDelayMs ?? 2000;
    let delay = min;
    let final = false;
    let failures = 0;
    for (;;) {
      if (signal.aborted) return;
      if (this.#finishing) final = true;
      const before = this.#lines;
      let error: unknown;
      try {
        await this.#read(!final, false, final);
        // No end is trusted: the container's last line says whether this read got to it.
        if (final) {
          if (await this.#reachedEnd()) return;
          error = new Error("the log continues after where the read ended");
        }
      } catch (err) {
        if (signal.aborted) return;
        // finish() cut the follow: go on to the final read.
        if (this.#finishing && !final) continue;
        if (err instanceof KubernetesError && err.httpStatus === 404) return;
        error = err;
      }
      const progress = this.#lines > before;
      if (final && error !== undefined) {
        failures = progress ? 0 : failures + 1;
        // The tail cannot be read (the node is gone, the runtime dropped the log): say so, stop.
        if (failures >= (this.#finishing ? 2 : MAX_FINAL_FAILURES)) {
          this.#o.onGiveUp?.(error);
          return;
        }
      }
      if (!final) {
        const probe = await this.#o.probe().catch(() => undefined);
        if (probe?.gone) return;
        if (probe) {
          if (this.#restarts !== undefined && probe.restartCount > this.#restarts) await this.#readPrevious();
          this.#restarts = probe.restartCount;
          if (probe.terminated) final = true;
        }
      }
      // Progress, or the container just ended: read again at once.
      if (progress || (final && error === undefined)) {
        delay = min;
        continue;
      }
      // An error, or a stream that ended with nothing new while the container runs: back off.
      await this.#sleep(delay);
      delay = Math.min(delay * 2, max);
    }
  }

  /** Whether the cursor is at the container's last line (one line read with tailLines=1). */
  async #reachedEnd(): Promise<boolean> {
    const { body, release } = await openLog(this.#o.client, this.#o.namespace, this.#o.pod, { container: this.#o.container, follow: false, tailLines: 1 }, this.#o.signal);
    const decoder = new TextDecoder();
    let text = "";
    try {
      for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
    } finally {
      release();
    }
    text += decoder.decode();
    const last = text.split("\n").filter((l) => l !== "").pop();
    const line = last === undefined ? undefined : parseLine(last);
    if (!line) return true;
    const at = this.#o.cursor.key;
    return at !== undefined && line.key <= at;
  }

  /** Lines of the previous instance after the cursor (the container restarted between reads). */
  async #readPrevious(): Promise<void> {
    try {
      await this.#read(false, true, true);
    } catch {
      // The previous instance's log may be gone already; the current one continues.
    }
  }

  async #read(follow: boolean, previous: boolean, final: boolean): Promise<void> {
    const { cursor, onLine, onChunk } = this.#o;
    const signal = follow ? AbortSignal.any([this.#o.signal, this.#wake.signal]) : this.#o.signal;
    cursor.restart();
    const { body, release } = await openLog(this.#o.client, this.#o.namespace, this.#o.pod, { container: this.#o.container, follow, previous, sinceTime: cursor.sinceTime() }, signal);
    const decoder = new TextDecoder();
    let rest = "";
    const handle = (raw: string) => {
      const line = parseLine(raw);
      // Without a timestamp a line cannot be placed; pass it on rather than lose it.
      if (!line) {
        this.#lines++;
        onLine(raw);
      } else if (cursor.accept(line)) {
        this.#lines++;
        onLine(line.text);
      }
    };
    try {
      for await (const chunk of body) {
        rest += decoder.decode(chunk, { stream: true });
        let start = 0;
        let nl: number;
        while ((nl = rest.indexOf("\n", start)) !== -1) {
          handle(rest.slice(start, nl));
          start = nl + 1;
        }
        rest = start ? rest.slice(start) : rest;
        if (start) onChunk?.();
      }
    } finally {
      release();
    }
    rest += decoder.decode();
    if (final && rest) {
      handle(rest);
      onChunk?.();
    }
  }

  #sleep(ms: number): Promise<void> {
    const wake = this.#wake.signal;
    const signal = this.#o.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        wake.removeEventListener("abort", done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const t = setTimeout(done, ms);
      wake.addEventListener("abort", done, { once: true });
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
