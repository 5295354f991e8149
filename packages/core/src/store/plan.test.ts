import { describe, expect, it } from "vitest";
import { flow } from "../dsl/flow.js";
import type { ExecutionEvent } from "../engine/events.js";
import { nodeChain, restartPlan, resumePlan, unsafeSteps } from "./plan.js";

const f = flow({ id: "p" })
  .step("prep", () => 1)
  .forEach("rollout", ["a", "b", "c"], (each) => each.step("deploy", ({ item }) => item).step("verify", ({ steps }) => steps.deploy))
  .if("gate", () => true, (t) => t.step("post", () => "posted"))
  .parallel("checks", { q: (b) => b.step("quota", () => 1) }, { needs: ["prep"] })
  .step("pay", () => "paid", { idempotent: false, needs: ["prep"] })
  .step("report", () => "done", { needs: ["gate"] })
  .finally((b) => b.step("cleanup", () => 0));

async function events(): Promise<ExecutionEvent[]> {
  const out: ExecutionEvent[] = [];
  await f.run({ onEvent: (e) => out.push(e) });
  return out;
}

describe("plans", () => {
  it("finds nodes by path through forEach items, arms, branches and handlers", () => {
    const c = f.compile();
    expect(nodeChain(c, "rollout[2].verify")?.map((l) => l.prefix + l.cn.node.id)).toEqual(["rollout", "rollout[2].verify"]);
    expect(nodeChain(c, "gate.then.post")?.at(-1)?.cn.node.id).toBe("post");
    expect(nodeChain(c, "checks.q.quota")?.at(-1)?.cn.node.id).toBe("quota");
    expect(nodeChain(c, "finally.cleanup")?.at(-1)?.cn.node.id).toBe("cleanup");
    expect(nodeChain(c, "rollout.deploy")).toBeUndefined();
    expect(nodeChain(c, "nope")).toBeUndefined();
  });

  it("restart re-runs the step, what depends on it, and the handlers; keeps the rest", async () => {
    const plan = restartPlan(f.compile(), await events(), "gate");
    const kept = Object.keys(plan.completed);
    expect(kept).toContain("prep");
    expect(kept).toContain("rollout[1].deploy");
    expect(kept).toContain("pay");
    expect(kept).not.toContain("gate");
    expect(kept).not.toContain("gate.then.post");
    expect(kept).not.toContain("report");
    expect(kept).not.toContain("finally.cleanup");
  });

  it("restart from a step inside one forEach item keeps the other items", async () => {
    const plan = restartPlan(f.compile(), await events(), "rollout[1].deploy");
    const kept = Object.keys(plan.completed);
    expect(kept).toEqual(expect.arrayContaining(["prep", "rollout[0].deploy", "rollout[0].verify", "rollout[2].deploy", "pay", "checks"]));
    for (const gone of ["rollout", "rollout[1].deploy", "rollout[1].verify", "gate", "report"]) expect(kept).not.toContain(gone);
    expect(() => restartPlan(f.compile(), [], "nope")).toThrow(/the flow has no step "nope"/);
  });

  it("resume blocks interrupted non-idempotent steps until confirmed by path or id", () => {
    const evs: ExecutionEvent[] = [
      { type: "step.started", executionId: "x", time: 1, path: "prep", stepId: "prep", kind: "step", attempt: 1 },
      { type: "step.finished", executionId: "x", time: 2, path: "prep", stepId: "prep", kind: "step", state: "SUCCESS", attempts: 1, durationMs: 1, output: 1 },
      { type: "step.started", executionId: "x", time: 3, path: "pay", stepId: "pay", kind: "step", attempt: 1 },
      { type: "step.started", executionId: "x", time: 3, path: "checks", stepId: "checks", kind: "parallel", attempt: 1 },
    ];
    const c = f.compile();
    expect(resumePlan(c, evs).blocked).toEqual(["pay"]);
    const ok = resumePlan(c, evs, ["pay"]);
    expect(ok.blocked).toEqual([]);
    expect(ok.state.rerun).toEqual(["pay"]);
    expect(ok.state.completed).toEqual({ prep: { output: 1 } });
  });

  it("knows which step paths are not idempotent, inside forEach items and arms too", () => {
    const g = flow({ id: "u" })
      .step("pay", () => 1, { idempotent: false })
      .forEach("each", [1, 2], (b) => b.step("charge", () => 1, { idempotent: false }).step("safe", () => 2))
      .if("gate", () => true, (t) => t.step("refund", () => 1, { idempotent: false }))
      .finally((b) => b.step("bill", () => 1, { idempotent: false }));
    const unsafe = unsafeSteps(g.compile());
    expect(["pay", "each[0].charge", "each[12].charge", "gate.then.refund", "finally.bill"].every(unsafe)).toBe(true);
    expect(["each", "each[0].safe", "gate", "charge"].some(unsafe)).toBe(false);
    expect(unsafeSteps(flow({ id: "v" }).step("a", () => 1).compile())("a")).toBe(false);
  });
});
