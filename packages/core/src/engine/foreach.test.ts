import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import type { ExecutionEvent } from "./events.js";

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe("forEach", () => {
  it("returns results in item order whatever the completion order", async () => {
    const ex = await flow({ id: "fe", inputs: z.object({ n: z.array(z.number()) }) })
      .forEach("sq", ({ inputs }) => inputs.n, { concurrency: Infinity }, (b) =>
        b.step("wait", async ({ item }) => { await tick(10 - item); return item; }).step("sq", ({ steps, index }) => ({ v: steps.wait * steps.wait, index })),
      )
      .run({ inputs: { n: [1, 2, 3, 4, 5] } });
    expect(ex.outputs?.sq.map((r) => r.sq.v)).toEqual([1, 4, 9, 16, 25]);
    expect(ex.outputs?.sq.map((r) => r.sq.index)).toEqual([0, 1, 2, 3, 4]);
    expect(ex.steps.sq?.items).toMatchObject({ total: 5, succeeded: 5, failed: 0 });
  });

  it.each([1, 3, 7])("never runs more than concurrency=%i items at once", async (concurrency) => {
    let inFlight = 0;
    let max = 0;
    const ex = await flow({ id: "cap" })
      .forEach("each", Array.from({ length: 40 }, (_, i) => i), { concurrency }, (b) =>
        b.step("work", async ({ item }) => {
          inFlight++;
          max = Math.max(max, inFlight);
          await tick(item % 3);
          inFlight--;
          return item;
        }),
      )
      .run();
    expect(ex.state).toBe("SUCCESS");
    expect(max).toBe(concurrency);
  });

  it("defaults to one item at a time", async () => {
    let inFlight = 0;
    let max = 0;
    await flow({ id: "one" })
      .forEach([1, 2, 3], (b) => b.step("w", async () => { inFlight++; max = Math.max(max, inFlight); await tick(); inFlight--; }))
      .run();
    expect(max).toBe(1);
  });

  it("fails on the first failed item by default, starting no further items", async () => {
    const started: number[] = [];
    const ex = await flow({ id: "failfast" })
      .forEach("each", [0, 1, 2, 3, 4, 5], { concurrency: 2 }, (b) =>
        b.step("work", async ({ item }) => {
          started.push(item);
          await tick();
          if (item === 1) throw new Error(`item ${item} broke`);
          return item;
        }),
      )
      .run();
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ stepPath: "each[1].work", message: "item 1 broke" });
    expect(started.length).toBeLessThanOrEqual(3);
    expect(ex.steps.each?.state).toBe("FAILED");
  });

  it("continues and records failed items with onItemError: continue", async () => {
    const ex = await flow({ id: "cont" })
      .forEach("each", ["a", "bad", "c"], { concurrency: 2, onItemError: "continue" }, (b) =>
        b.step("work", ({ item }) => { if (item === "bad") throw new Error("nope"); return item.toUpperCase(); }),
      )
      .step("summary", ({ steps }) => steps.each.map((r) => (r.ok ? r.steps.work : `failed:${r.error.stepId}`)))
      .run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.summary).toEqual(["A", "failed:work", "C"]);
    expect(ex.steps.each?.items).toMatchObject({ total: 3, succeeded: 2, failed: 1, failures: [{ index: 1, path: "each[1].work" }] });
  });

  it("runs the per-item errors branch for the failed item only", async () => {
    const rolledBack: string[] = [];
    const events: ExecutionEvent[] = [];
    const ex = await flow({ id: "rollback", inputs: z.object({ tenants: z.array(z.string()) }) })
      .forEach(
        "tenants",
        ({ inputs }) => inputs.tenants,
        {
          concurrency: 3,
          onItemError: "continue",
          errors: (e) => e.step("rollback", ({ item, error, index }) => { rolledBack.push(`${item}@${index}:${error.stepId}:${error.message}`); return "rolled back"; }),
        },
        (b) => b.step("apply", ({ item }) => { if (item === "beta") throw new Error("apply failed"); return `${item} applied`; }),
      )
      .run({ inputs: { tenants: ["alpha", "beta", "gamma"] }, onEvent: (e) => events.push(e) });
    expect(ex.state).toBe("SUCCESS");
    expect(rolledBack).toEqual(["beta@1:apply:apply failed"]);
    expect(events.some((e) => e.type === "step.finished" && e.path === "tenants[1].errors.rollback" && e.state === "SUCCESS")).toBe(true);
    expect(ex.outputs?.tenants.filter((t) => t.ok).length).toBe(2);
  });

  it("takes items from a function of earlier outputs and rejects a non-array", async () => {
    const ok = await flow({ id: "fn" })
      .step("list", () => ["x", "y"])
      .forEach("each", ({ steps }) => steps.list, (b) => b.step("up", ({ item }) => item.toUpperCase()))
      .run();
    expect(ok.outputs?.each).toEqual([{ up: "X" }, { up: "Y" }]);
    const bad = await flow({ id: "fn2" }).forEach("each", () => "nope" as unknown as string[], (b) => b.step("x", () => 1)).run();
    expect(bad.error?.message).toMatch(/returned string, not an array/);
  });

  it("handles an empty item list", async () => {
    const ex = await flow({ id: "empty" }).forEach("each", [] as number[], (b) => b.step("x", ({ item }) => item)).run();
    expect(ex.outputs?.each).toEqual([]);
  });

  it("nests forEach and sees outer outputs", async () => {
    const ex = await flow({ id: "nest" })
      .step("base", () => 10)
      .forEach("outer", [1, 2], (o) => o.forEach("inner", ({ item }) => [item, item * 2], (i) => i.step("v", ({ item, steps }) => item + steps.base)))
      .run();
    expect(ex.outputs?.outer).toEqual([{ inner: [{ v: 11 }, { v: 12 }] }, { inner: [{ v: 12 }, { v: 14 }] }]);
  });
});
