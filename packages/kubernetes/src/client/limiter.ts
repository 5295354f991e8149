/**
 * Per-cluster request limits: a concurrency cap (p-limit) and a token bucket for requests per
 * second, so a fan-out over many objects does not flood one apiserver (client-node has neither).
 */
import pLimit, { type LimitFunction } from "p-limit";

export interface Limits {
  concurrency: number;
  qps: number;
  burst: number;
}

export class RequestLimiter {
  readonly #limit: LimitFunction;
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  #last = Date.now();

  constructor(limits: Limits) {
    this.#limit = pLimit(limits.concurrency);
    this.#qps = limits.qps;
    this.#burst = limits.burst;
    this.#tokens = limits.burst;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#limit(async () => {
      await this.#take();
      return fn();
    });
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.#tokens) / this.#qps) * 1000)));
    }
  }
}
