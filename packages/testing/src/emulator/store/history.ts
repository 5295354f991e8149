/**
 * Bounded log of committed changes, so a watch can resume from a resourceVersion. Every commit bumps
 * the cluster-wide resourceVersion by one and appends one entry, so a resume from RV `n` is possible
 * exactly when `n >= floor` (everything after `floor` is retained); older RVs get 410 Expired.
 */

import type { KubeObject } from "./types.js";

export interface HistoryEntry {
  rv: number;
  /** `group/resource`. */
  key: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  old: KubeObject | undefined;
}

export class History {
  readonly #capacity: number;
  #buf: (HistoryEntry | undefined)[];
  #start = 0;
  #size = 0;
  #floor: number;

  constructor(capacity: number, startRv: number) {
    this.#capacity = Math.max(1, capacity);
    this.#buf = new Array<HistoryEntry | undefined>(this.#capacity);
    this.#floor = startRv;
  }

  /** Oldest RV a watch may resume from. */
  get floor(): number {
    return this.#floor;
  }

  append(entry: HistoryEntry): void {
    if (this.#size === this.#capacity) {
      const evicted = this.#buf[this.#start] as HistoryEntry;
      this.#floor = evicted.rv;
      this.#buf[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.#capacity;
      this.#size--;
    }
    this.#buf[(this.#start + this.#size) % this.#capacity] = entry;
    this.#size++;
  }

  /** Entries with rv > `rv` for resource `key`, oldest first; undefined when `rv` is older than the floor. */
  since(rv: number, key: string): HistoryEntry[] | undefined {
    if (rv < this.#floor) return undefined;
    const out: HistoryEntry[] = [];
    for (let i = 0; i < this.#size; i++) {
      const e = this.#buf[(this.#start + i) % this.#capacity] as HistoryEntry;
      if (e.rv > rv && e.key === key) out.push(e);
    }
    return out;
  }

  /** Forgets everything up to `rv` (like etcd compaction): older watches then get 410. */
  compact(rv: number): void {
    while (this.#size > 0 && (this.#buf[this.#start] as HistoryEntry).rv <= rv) {
      this.#buf[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.#capacity;
      this.#size--;
    }
    this.#floor = Math.max(this.#floor, rv);
  }
}
