import { describe, expect, it } from "vitest";
import { flow, type AnyFlow } from "../dsl/flow.js";
import type { ExecutionEvent } from "./events.js";
import { resumeStateFromEvents } from "./resume.js";

/** Runs a flow until `crashAt` starts, then abandons it, as a killed process would. */
async function crashedEvents(build: (crashAt: () => Promise<never>) => AnyFlow): Promise<ExecutionEvent[]> {
  const events: ExecutionEvent[] = [];
  let reached!: () => void;
  const crashed = new Promise<void>((r) => (reached = r));
  void build(() => {
    reached();
    return new Promise<never>(() => {});
  }).run({ executionId: "ex-1", onEvent: (e) => events.push(e) });
  await crashed;
  return [...events];
}

describe("resume", () => {
  it("reuses finished steps' outputs and re-runs the interrupted step with its checkpoint", async () => {
    const calls: string[] = [];
    let crashNow = true;
    const build = (crash: () => Promise<never>) =>
      flow({ id: "r" })
        .step("a", () => (calls.push("a"), { n: 1 }))
        .step("b", async ({ checkpoint, resumed, steps }) => {
          calls.push(`b resumed=${JSON.stringify(resumed ?? null)}`);
          checkpoint({ pod: "job-b-1" });
          if (crashNow) return crash();
          return steps.a.n + 1;
        })
        .step("c", ({ steps }) => (calls.push("c"), steps.b * 10));
    const events = await crashedEvents(build);
    expect(calls).toEqual(["a", "b resumed=null"]);
    const state = resumeStateFromEvents(events);
    expect(state).toEqual({ completed: { a: { output: { n: 1 } } }, interrupted: { b: { attempt: 1, checkpoint: { pod: "job-b-1" } } }, rerun: [] });

    crashNow = false;
    calls.length = 0;
    const ex = await build(() => Promise.reject(new Error("unused"))).run({ executionId: "ex-1", resume: state });
    expect(ex.id).toBe("ex-1");
    expect(ex.state).toBe("SUCCESS");
    expect(calls).toEqual(['b resumed={"attempt":1,"checkpoint":{"pod":"job-b-1"}}', "c"]);
    expect(ex.outputs).toEqual({ a: { n: 1 }, b: 2, c: 20 });
    expect(ex.steps.a).toMatchObject({ state: "SUCCESS", resumed: true, attempts: 0 });
  });

  it("stops instead of re-running an interrupted non-idempotent step, unless told to rerun it", async () => {
    let payments = 0;
    let crash = true;
    const build = (c: () => Promise<never>) =>
      flow({ id: "pay" }).step("charge", async () => {
        payments++;
        if (crash) return c();
        return "charged";
      }, { idempotent: false });
    const state = resumeStateFromEvents(await crashedEvents(build));
    crash = false;
    const blocked = await build(() => Promise.reject(new Error("unused"))).run({ resume: state });
    expect(blocked.state).toBe("FAILED");
    expect(blocked.error).toMatchObject({ code: "CAPSTAN_RESUME_UNSAFE", stepPath: "charge" });
    expect(blocked.error?.hint).toContain("--rerun charge");
    expect(payments).toBe(1);
    const forced = await build(() => Promise.reject(new Error("unused"))).run({ resume: { ...state, rerun: ["charge"] } });
    expect(forced.state).toBe("SUCCESS");
    expect(payments).toBe(2);
  });

  it("runs only the forEach items that had not finished", async () => {
    const ran: number[] = [];
    let crash = true;
    const build = (c: () => Promise<never>) =>
      flow({ id: "fe" }).forEach("each", [0, 1, 2, 3, 4], { concurrency: 1 }, (b) =>
        b.step("w", async ({ item }) => {
          ran.push(item);
          if (crash && item === 3) return c();
          return item * 2;
        }),
      );
    const state = resumeStateFromEvents(await crashedEvents(build));
    expect(Object.keys(state.completed)).toEqual(["each[0].w", "each[1].w", "each[2].w"]);
    crash = false;
    ran.length = 0;
    const ex = await build(() => Promise.reject(new Error("unused"))).run({ resume: state });
    expect(ran).toEqual([3, 4]);
    expect(ex.outputs?.each).toEqual([{ w: 0 }, { w: 2 }, { w: 4 }, { w: 6 }, { w: 8 }]);
  });

  it("a resumed attempt skips, once each, the lines its interrupted attempt logged after its last checkpoint", async () => {
    // A reader that logs each chunk's lines, then checkpoints its position: a kill can fall in between.
    const source = ["l1", "l2", "l3", "l4", "l5", "l6"];
    let crash = true;
    const build = (c: () => Promise<never>) =>
      flow({ id: "logs" }).step("read", async ({ log, checkpoint, resumed }) => {
        let pos = (resumed?.checkpoint as { pos: number } | undefined)?.pos ?? 0;
        log.info(`starting at ${pos}`);
        for (; pos < source.length; pos += 2) {
          log.info(source[pos]!);
          log.info(source[pos + 1]!);
          // Killed after logging l3 and l4 but before checkpointing them.
          if (crash && pos === 2) return c();
          checkpoint({ pos: pos + 2 });
        }
        log.info("l1"); // a new line equal to an old one is still logged
        return pos;
      });
    const events = await crashedEvents(build);
    const state = resumeStateFromEvents(events);
    expect(state.interrupted?.read).toEqual({ attempt: 1, checkpoint: { pos: 2 }, logsAfterCheckpoint: ["info\0l3", "info\0l4"] });
    crash = false;
    const resumed: ExecutionEvent[] = [];
    const ex = await build(() => Promise.reject(new Error("unused"))).run({ executionId: "ex-1", resume: state, onEvent: (e) => resumed.push(e) });
    expect(ex.state).toBe("SUCCESS");
    const lines = (list: ExecutionEvent[]) => list.flatMap((e) => (e.type === "log" ? [e.message] : []));
    // The whole execution log, both processes: every line once, in order, plus what is new.
    expect([...lines(events), ...lines(resumed)]).toEqual(["starting at 0", "l1", "l2", "l3", "l4", "starting at 2", "l5", "l6", "l1"]);
  });

  it("skips nothing without a checkpoint in the interrupted attempt, nor in a later attempt", () => {
    const ev = (e: object) => ({ executionId: "x", time: 0, stepId: "s", ...e }) as ExecutionEvent;
    const state = resumeStateFromEvents([
      ev({ type: "step.started", path: "s", attempt: 1, kind: "step" }),
      ev({ type: "step.checkpoint", path: "s", attempt: 1, data: 1 }),
      ev({ type: "log", path: "s", level: "info", message: "a" }),
      ev({ type: "step.started", path: "s", attempt: 2, kind: "step" }),
      ev({ type: "log", path: "s", level: "info", message: "b" }),
    ]);
    expect(state.interrupted?.s).toEqual({ attempt: 2, checkpoint: 1 });
  });
});
