/** A deduplicating work queue: keys are processed one at a time, in order, off the store's commit path. */

export type Handler = (key: string) => void | Promise<void>;

export class WorkQueue {
  readonly #handler: Handler;
  readonly #onError: (key: string, err: unknown) => void;
  #pending = new Set<string>();
  #timers = new Map<string, NodeJS.Timeout>();
  #retries = new Map<string, number>();
  #running = false;
  #stopped = false;
  #scheduled = false;

  constructor(handler: Handler, onError: (key: string, err: unknown) => void = () => {}) {
    this.#handler = handler;
    this.#onError = onError;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    this.#kick();
  }

  /** Re-queues `key` after `ms` real milliseconds (an earlier pending timer for the key wins). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.#timers.has(key)) return;
    const t = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, t);
  }

  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  #kick(): void {
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (!this.#stopped && this.#pending.size > 0) {
        const key = this.#pending.values().next().value as string;
        this.#pending.delete(key);
        try {
          await this.#handler(key);
          this.#retries.delete(key);
        } catch (err) {
          // Conflicts and races are normal for controllers: retry with a short back-off, then report.
          const n = (this.#retries.get(key) ?? 0) + 1;
          this.#retries.set(key, n);
          if (n <= 8) this.addAfter(key, 2 ** n);
          else {
            this.#retries.delete(key);
            this.#onError(key, err);
          }
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
