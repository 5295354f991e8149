import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { flow } from "../dsl/flow.js";
import { CapstanError } from "../errors.js";
import type { ExecutionEvent } from "./events.js";
import { backoffDelay } from "./retry.js";

describe("retries with backoff (fake timers)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("retries with exponential backoff capped at maxDelay, then succeeds", async () => {
    let calls = 0;
    const times: number[] = [];
    const events: ExecutionEvent[] = [];
    const run = flow({ id: "r" })
      .step("flaky", () => {
        times.push(Date.now());
        if (++calls < 5) throw new Error(`try ${calls}`);
        return "ok";
      }, { retry: { attempts: 5, backoff: "exponential", delay: "1s", maxDelay: "5s" } })
      .run({ onEvent: (e) => events.push(e) });
    await vi.runAllTimersAsync();
    const ex = await run;
    expect(ex.state).toBe("SUCCESS");
    expect(ex.steps.flaky?.attempts).toBe(5);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([1000, 2000, 4000, 5000]);
    expect(events.filter((e) => e.type === "step.retrying").map((e) => (e as { delayMs: number }).delayMs)).toEqual([1000, 2000, 4000, 5000]);
  });

  it("retries with a constant delay and fails after the last attempt", async () => {
    let calls = 0;
    const times: number[] = [];
    const run = flow({ id: "r" })
      .step("down", () => { times.push(Date.now()); calls++; throw new Error("still down"); }, { retry: { attempts: 3, delay: 250 } })
      .run();
    await vi.runAllTimersAsync();
    const ex = await run;
    expect(calls).toBe(3);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual([250, 250]);
    expect(ex.state).toBe("FAILED");
    expect(ex.steps.down).toMatchObject({ state: "FAILED", attempts: 3 });
    expect(ex.error?.message).toBe("still down");
  });

  it("does not retry non-retryable errors or those `when` rejects", async () => {
    let a = 0;
    let b = 0;
    const run = flow({ id: "r" })
      .step("fatal", () => { a++; throw new CapstanError("E_FATAL", "bad request", { retryable: false }); }, { retry: { attempts: 4, delay: 10 }, allowFailure: true })
      .step("filtered", () => { b++; throw new Error("404"); }, { retry: { attempts: 4, delay: 10, when: (e) => !(e as Error).message.includes("404") }, allowFailure: true })
      .run();
    await vi.runAllTimersAsync();
    await run;
    expect([a, b]).toEqual([1, 1]);
  });

  it("spreads jittered delays within ±jitter", () => {
    const retry = { attempts: 3, backoff: "constant" as const, delayMs: 1000, maxDelayMs: 10_000, factor: 2, jitter: 0.5, when: undefined };
    expect(backoffDelay(retry, 1, () => 0)).toBe(500);
    expect(backoffDelay(retry, 1, () => 1)).toBe(1500);
    expect(backoffDelay(retry, 1, () => 0.5)).toBe(1000);
  });

  it("times out an attempt, aborting its signal, and retries it", async () => {
    const aborted: unknown[] = [];
    let calls = 0;
    const run = flow({ id: "t" })
      .step("hang", ({ signal }) => {
        calls++;
        return new Promise((resolve, reject) => {
          if (calls === 2) return resolve("second try ok");
          signal.addEventListener("abort", () => { aborted.push(signal.reason); reject(signal.reason); });
        });
      }, { timeout: "2s", retry: { attempts: 2, delay: 100 } })
      .run();
    await vi.runAllTimersAsync();
    const ex = await run;
    expect(ex.state).toBe("SUCCESS");
    expect(aborted).toHaveLength(1);
    expect((aborted[0] as CapstanError).code).toBe("CAPSTAN_STEP_TIMEOUT");
  });

  it("fails with CAPSTAN_STEP_TIMEOUT even when the step ignores its signal", async () => {
    // The execution waits for the abandoned attempt at most the cancel grace.
    const run = flow({ id: "t" }).step("deaf", () => new Promise(() => {}), { timeout: 1500 }).run({ cancelGraceMs: 500 });
    await vi.advanceTimersByTimeAsync(2000);
    const ex = await run;
    expect(ex.error).toMatchObject({ code: "CAPSTAN_STEP_TIMEOUT", message: 'step "deaf" timed out after 1.5s' });
  });
});

describe("cancellation", () => {
  it("aborts running steps, runs finally, and ends CANCELLED", async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const run = flow({ id: "c" })
      .step("long", ({ signal }) => new Promise((_, reject) => {
        setTimeout(() => ac.abort(), 5);
        signal.addEventListener("abort", () => { seen.push("long aborted"); reject(signal.reason); });
      }))
      .step("never", () => { seen.push("never"); })
      .errors((e) => e.step("alert", () => { seen.push("errors"); }))
      .finally((f) => f.step("cleanup", ({ signal }) => { seen.push(`finally (signal aborted: ${signal.aborted})`); }))
      .run({ signal: ac.signal });
    const ex = await run;
    expect(ex.state).toBe("CANCELLED");
    expect(ex.error?.code).toBe("CAPSTAN_CANCELLED");
    expect(ex.steps.long?.state).toBe("CANCELLED");
    expect(seen).toEqual(["long aborted", "finally (signal aborted: false)"]);
  });

  it("does not wait forever for a step that ignores cancellation", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 5);
    const ex = await flow({ id: "c" }).step("deaf", () => new Promise(() => {})).run({ signal: ac.signal, cancelGraceMs: 20 });
    expect(ex.state).toBe("CANCELLED");
    expect(ex.steps.deaf?.state).toBe("CANCELLED");
  });

  it("stops a forEach from starting new items", async () => {
    const ac = new AbortController();
    const started: number[] = [];
    const ex = await flow({ id: "c" })
      .forEach("each", [1, 2, 3, 4, 5, 6], { concurrency: 2 }, (b) =>
        b.step("w", ({ item, signal }) => new Promise((resolve, reject) => {
          started.push(item);
          if (item === 2) ac.abort();
          signal.addEventListener("abort", () => reject(signal.reason));
          setTimeout(resolve, 50);
        })),
      )
      .run({ signal: ac.signal });
    expect(ex.state).toBe("CANCELLED");
    expect(started).toEqual([1, 2]);
  });

  it("a signal already aborted runs nothing", async () => {
    let ran = false;
    const ex = await flow({ id: "c" }).step("a", () => { ran = true; }).run({ signal: AbortSignal.abort() });
    expect(ex.state).toBe("CANCELLED");
    expect(ran).toBe(false);
  });
});
