import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RequestLimiter } from "./limiter.js";

describe("RequestLimiter", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("caps concurrent requests per cluster", async () => {
    const limiter = new RequestLimiter({ concurrency: 3, qps: 1e6, burst: 1e6 });
    let inFlight = 0;
    let max = 0;
    const work = () => limiter.run(async () => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
    });
    const all = Promise.all(Array.from({ length: 20 }, work));
    await vi.runAllTimersAsync();
    await all;
    expect(max).toBe(3);
  });

  it("spends a burst at once, then holds to the rate", async () => {
    const limiter = new RequestLimiter({ concurrency: 100, qps: 100, burst: 5 });
    const started: number[] = [];
    const t0 = Date.now();
    const all = Promise.all(Array.from({ length: 25 }, () => limiter.run(async () => void started.push(Date.now() - t0))));
    await vi.runAllTimersAsync();
    await all;
    expect(started.filter((t) => t === 0)).toHaveLength(5);
    // 20 more at 100/s: the last starts about 200 ms in, never sooner.
    expect(Math.max(...started)).toBeGreaterThanOrEqual(195);
    expect(Math.max(...started)).toBeLessThan(260);
  });
});
