/** Clocks: the real wall clock, and a manual clock tests advance (for CronJob schedules and timestamps). */

import type { Clock } from "./types.js";

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimer(at: number, callback: () => void): () => void {
    // setTimeout caps at ~24.8 days; re-arm in steps so far-away schedules still fire.
    const max = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const delay = at - Date.now();
      if (delay > max) {
        handle = setTimeout(arm, max);
      } else {
        handle = setTimeout(callback, Math.max(0, delay));
      }
      handle.unref?.();
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** Time stands still until `advance` or `set`; timers due by then fire in time order. */
export class ManualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #seq = 0;
  constructor(start: Date | number = Date.UTC(2025, 0, 1)) {
    this.#now = typeof start === "number" ? start : start.getTime();
  }
  now(): number {
    return this.#now;
  }
  setTimer(at: number, callback: () => void): () => void {
    const timer: Timer = { at, seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
  advance(ms: number): void {
    this.set(this.#now + ms);
  }
  set(time: Date | number): void {
    const target = typeof time === "number" ? time : time.getTime();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = Math.max(this.#now, target);
  }
}

/** RFC3339 with second precision, as metav1.Time marshals. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
