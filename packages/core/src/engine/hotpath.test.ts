/**
 * The engine's hot path reports a node's end through callbacks (no promise per step or item):
 * these pin what that must not change — long synchronous chains do not nest calls, an item's value
 * is its own even when it is undefined, and failures and allowFailure still reach the scope.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { defineTask } from "../task/define.js";

describe("engine hot path", () => {
  it("runs 20,000 synchronous steps in sequence without nesting calls", async () => {
    // Built in a loop, so typed loosely here (as bench/engine.ts does).
    let f: any = flow({ id: "sync-chain" }).step("s0", () => 0);
    for (let i = 1; i < 20_000; i++) {
      const prev = `s${i - 1}`;
      f = f.step(`s${i}`, ({ steps }: { steps: Record<string, number> }) => steps[prev]! + 1);
    }
    const ex = await f.run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs.s19999).toBe(19_999);
    expect(Object.keys(ex.steps)).toHaveLength(20_000);
  });

  it("runs 50,000 synchronous forEach items one at a time without nesting calls", async () => {
    const items = Array.from({ length: 50_000 }, (_, i) => i);
    const ex = await flow({ id: "sync-items" })
      .forEach("each", items, { concurrency: 1 }, (b) => b.step("double", ({ item }) => item * 2))
      .run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.each[49_999]).toEqual({ double: 99_998 });
    expect(ex.steps.each?.items).toMatchObject({ total: 50_000, succeeded: 50_000, failed: 0 });
  });

  it("gives an undefined or null item as itself, not the enclosing item", async () => {
    const ex = await flow({ id: "holes" })
      .forEach("outer", ["a"], (o) => o.forEach("inner", [undefined, null, "x"] as (string | null | undefined)[], (i) => i.step("seen", ({ item }) => item ?? `none:${String(item)}`)))
      .run();
    expect(ex.outputs?.outer).toEqual([{ inner: [{ seen: "none:undefined" }, { seen: "none:null" }, { seen: "x" }] }]);
  });

  it("builds an item step's path on demand: the task's ctx.step, logs and errors name it", async () => {
    const where = defineTask({
      type: "test.where",
      input: z.object({ item: z.string() }),
      run: ({ item }, ctx) => {
        ctx.log.info(`at ${ctx.step.path}`);
        if (item === "b" && ctx.step.path.startsWith("outer[1]")) throw new Error("b broke");
        return ctx.step.path;
      },
    });
    const ex = await flow({ id: "paths" })
      .forEach("outer", [0, 1], { onItemError: "continue" }, (o) => o.forEach("inner", ["a", "b"], (i) => i.step("where", where(({ item }) => ({ item })))))
      .run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.outer[0]).toMatchObject({ ok: true, steps: { inner: [{ where: "outer[0].inner[0].where" }, { where: "outer[0].inner[1].where" }] } });
    expect(ex.outputs?.outer[1]).toMatchObject({ ok: false, error: { stepId: "where", message: "b broke" } });
    expect(ex.steps.outer?.items?.failures[0]).toMatchObject({ index: 1, path: "outer[1].inner[1].where" });
    expect(ex.logs.map((l) => `${l.path} ${l.message}`)).toContain("outer[1].inner[0].where at outer[1].inner[0].where");
  });

  it("fails fast on a rejected step among many, and lets an allowed failure through", async () => {
    let after = 0;
    const ex = await flow({ id: "mixed" })
      .step("ok", async () => 1)
      .step("tolerated", async () => Promise.reject(new Error("fine")), { allowFailure: true })
      .step("broken", async () => Promise.reject(new Error("boom")))
      .step("never", () => (after++, 2))
      .run();
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ stepPath: "broken", message: "boom" });
    expect(ex.steps.tolerated).toMatchObject({ state: "FAILED", allowed: true });
    expect(ex.steps.never).toBeUndefined();
    expect(after).toBe(0);
  });
});
