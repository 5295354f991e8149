/** `ctx.phase` and why a step was cancelled: what a cancelled or timed-out step's record says. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { defineTask } from "../task/define.js";
import { CancelledError } from "../errors.js";
import type { ExecutionEvent } from "./events.js";

/** Says it is "preparing", then "waiting", and waits until its signal aborts. */
const waiter = defineTask({
  type: "test.waiter",
  input: z.object({}),
  run: (_input, ctx) =>
    new Promise<never>((_, reject) => {
      ctx.phase("preparing");
      ctx.phase("waiting");
      ctx.phase("waiting");
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
    }),
});

function phased(timeout?: number) {
  return flow({ id: "phased" }).step("wait", waiter({}), timeout ? { timeout } : {});
}

/** Aborts once the step says it is waiting. */
function abortWhenWaiting(ac: AbortController, reason?: unknown) {
  return (e: ExecutionEvent) => {
    if (e.type === "step.phase" && e.phase === "waiting") queueMicrotask(() => ac.abort(reason));
  };
}

describe("ctx.phase", () => {
  it("emits step.phase when the phase changes", async () => {
    const events: ExecutionEvent[] = [];
    const ac = new AbortController();
    await phased().run({ signal: ac.signal, onEvent: (e) => (events.push(e), abortWhenWaiting(ac)(e)) });
    expect(events.filter((e) => e.type === "step.phase")).toEqual([
      expect.objectContaining({ path: "wait", stepId: "wait", attempt: 1, phase: "preparing" }),
      expect.objectContaining({ path: "wait", stepId: "wait", attempt: 1, phase: "waiting" }),
    ]);
  });

  it("names the phase and the caller's reason in a cancelled step's error", async () => {
    const ac = new AbortController();
    const ex = await phased().run({ signal: ac.signal, onEvent: abortWhenWaiting(ac, new CancelledError("the execution was cancelled by SIGTERM")) });
    expect(ex.state).toBe("CANCELLED");
    expect(ex.error).toEqual({ code: "CAPSTAN_CANCELLED", message: "the execution was cancelled by SIGTERM" });
    expect(ex.steps.wait).toMatchObject({
      state: "CANCELLED",
      error: { code: "CAPSTAN_CANCELLED", phase: "waiting", message: 'the execution was cancelled by SIGTERM (the step was in phase "waiting")' },
    });
  });

  it("keeps the plain cancellation when the signal gives no CancelledError", async () => {
    const ac = new AbortController();
    const ex = await phased(10_000).run({ signal: ac.signal, onEvent: abortWhenWaiting(ac) });
    expect(ex.error).toEqual({ code: "CAPSTAN_CANCELLED", message: "the execution was cancelled" });
    expect(ex.steps.wait?.error).toMatchObject({ phase: "waiting", message: 'the execution was cancelled (the step was in phase "waiting")' });
  });

  it("names the phase in a step timeout, on the step and on the execution", async () => {
    const events: ExecutionEvent[] = [];
    const ex = await phased(30).run({ onEvent: (e) => events.push(e) });
    const timedOut = { code: "CAPSTAN_STEP_TIMEOUT", stepPath: "wait", phase: "waiting", message: 'step "wait" timed out after 30ms (in phase "waiting")' };
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject(timedOut);
    expect(ex.steps.wait).toMatchObject({ state: "FAILED", error: timedOut });
    expect(events.find((e) => e.type === "step.finished")).toMatchObject({ state: "FAILED", error: timedOut });
  });

  it("ends the execution after a timed-out attempt's cleanup, so the record has it", async () => {
    const events: ExecutionEvent[] = [];
    const ex = await flow({ id: "cleans" })
      .step("work", ({ signal, log }) => new Promise((_, reject) => signal.addEventListener("abort", () => setTimeout(() => (log.info("cleaned up"), reject(signal.reason)), 30))), { timeout: 20 })
      .run({ onEvent: (e) => events.push(e) });
    expect(ex.error?.code).toBe("CAPSTAN_STEP_TIMEOUT");
    expect(events.map((e) => (e.type === "log" ? e.message : e.type))).toEqual(["execution.started", "step.started", "step.finished", "cleaned up", "execution.finished"]);
  });

  it("leaves errors of steps that never named a phase as they were", async () => {
    const ex = await flow({ id: "plain" })
      .step("wait", ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))), { timeout: 20 })
      .run();
    expect(ex.steps.wait?.error).toEqual({ code: "CAPSTAN_STEP_TIMEOUT", stepPath: "wait", message: 'step "wait" timed out after 20ms', hint: expect.any(String) });
  });
});
