/** Type tests: tsc checks these (npm test runs tsc first); vitest runs the few runtime assertions. */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { flow } from "./flow.js";
import { defineTask } from "../task/define.js";
import { secret } from "../runtime/secrets.js";
import type { ItemOutcome } from "./types.js";

const apply = defineTask({
  type: "kubernetes.apply",
  input: z.object({ manifest: z.string(), namespace: z.string().default("default") }),
  run: async ({ manifest }) => ({ uid: `uid-${manifest.length}`, kind: "Deployment" as const }),
});
const post = defineTask({
  type: "slack.postMessage",
  input: z.object({ channel: z.string(), text: z.string(), token: z.string().optional() }),
  output: z.object({ ts: z.string() }),
  run: async () => ({ ts: "1.0" }),
});

type StepsOf<F> = F extends { __types?: { steps: infer S } } ? S : never;

describe("builder types", () => {
  it("types each step's output from the task or function", () => {
    const f = flow({ id: "t", inputs: z.object({ ns: z.string(), n: z.number().default(2) }) })
      .step("render", ({ inputs }) => ({ manifest: `ns: ${inputs.ns}`, n: inputs.n }))
      .step("apply", apply(({ steps }) => ({ manifest: steps.render.manifest })))
      .step("notify", post({ channel: "#ops", text: "done", token: secret("SLACK") }))
      .step("dyn", ({ steps }) => post({ channel: "#x", text: steps.apply.uid }));
    type S = StepsOf<typeof f>;
    expectTypeOf<S["render"]>().toEqualTypeOf<{ manifest: string; n: number }>();
    expectTypeOf<S["apply"]>().toEqualTypeOf<{ uid: string; kind: "Deployment" }>();
    expectTypeOf<S["notify"]>().toEqualTypeOf<{ ts: string }>();
    expectTypeOf<S["dyn"]>().toEqualTypeOf<{ ts: string }>();
  });

  it("types inputs from zod: input type for run(), output type for ctx", () => {
    const f = flow({ id: "t", inputs: z.object({ n: z.number().default(2), tags: z.array(z.string()) }) }).step("a", ({ inputs }) => {
      expectTypeOf(inputs).toEqualTypeOf<{ n: number; tags: string[] }>();
      return inputs.n;
    });
    expectTypeOf<Parameters<typeof f.run>[0]>().toEqualTypeOf<import("../engine/run.js").RunOptions<{ n?: number | undefined; tags: string[] }> | undefined>();
  });

  it("names unnamed task steps after the task", () => {
    const f = flow({ id: "t" }).step(apply({ manifest: "x" })).step("after", ({ steps }) => steps.apply.uid).step(post(({ steps }) => ({ channel: "#c", text: steps.after })));
    expectTypeOf<StepsOf<typeof f>["postMessage"]>().toEqualTypeOf<{ ts: string }>();
    expectTypeOf<StepsOf<typeof f>["apply"]>().toEqualTypeOf<{ uid: string; kind: "Deployment" }>();
  });

  it("types forEach results as an array of each item's outputs", () => {
    const f = flow({ id: "t", inputs: z.object({ tenants: z.array(z.object({ name: z.string() })) }) })
      .forEach("each", ({ inputs }) => inputs.tenants, { concurrency: 3 }, (b) =>
        b.step("apply", apply(({ item }) => ({ manifest: item.name }))).step("len", ({ item, index, steps }) => `${index}:${item.name}:${steps.apply.uid}`),
      )
      .forEach("soft", [1, 2, 3] as const, { onItemError: "continue" }, (b) => b.step("double", ({ item }) => item * 2))
      .forEach([true], (b) => b.step("flag", ({ item }) => !item));
    type S = StepsOf<typeof f>;
    expectTypeOf<S["each"]>().toEqualTypeOf<{ apply: { uid: string; kind: "Deployment" }; len: string }[]>();
    expectTypeOf<S["soft"]>().toEqualTypeOf<ItemOutcome<1 | 2 | 3, { double: number }>[]>();
    expectTypeOf<S["forEach"]>().toEqualTypeOf<{ flag: boolean }[]>();
  });

  it("types if as the union of its arms", () => {
    const f = flow({ id: "t" })
      .step("check", () => ({ ready: true }))
      .if("gate", ({ steps }) => steps.check.ready, (b) => b.step("promote", () => 1 as const), (b) => b.step("issue", () => ({ url: "u" })));
    expectTypeOf<StepsOf<typeof f>["gate"]>().toEqualTypeOf<
      { readonly taken: "then"; readonly steps: { promote: 1 } } | { readonly taken: "else"; readonly steps: { issue: { url: string } } }
    >();
  });

  it("types parallel branches by name", () => {
    const f = flow({ id: "t" }).parallel("checks", { a: (b) => b.step("x", () => 1), b: (b) => b.step("y", () => "s") });
    expectTypeOf<StepsOf<typeof f>["checks"]>().toEqualTypeOf<{ a: { x: number }; b: { y: string } }>();
  });

  it("makes allowFailure outputs possibly undefined and narrows ctx.steps by needs", () => {
    const f = flow({ id: "t" })
      .step("a", () => 1)
      .step("b", () => "x", { allowFailure: true })
      .step("c", ({ steps }) => {
        expectTypeOf(steps).toEqualTypeOf<{ a: number }>();
        return steps.a;
      }, { needs: ["a"] });
    expectTypeOf<StepsOf<typeof f>["b"]>().toEqualTypeOf<string | undefined>();
  });

  it("gives errors branches the failure and the outputs so far", () => {
    flow({ id: "t" })
      .step("a", () => ({ n: 1 }))
      .errors((b) => b.step("alert", ({ error, steps }) => {
        expectTypeOf(error.stepId).toEqualTypeOf<string>();
        expectTypeOf(steps.a).toEqualTypeOf<{ n: number } | undefined>();
        return error.message;
      }));
  });

  it("rejects mistakes at compile time", () => {
    const base = flow({ id: "t", inputs: z.object({ n: z.number() }) }).step("a", () => ({ name: "x" }));
    // @ts-expect-error duplicate step id
    base.step("a", () => 2);
    // @ts-expect-error a step output that does not exist
    base.step("b", ({ steps }) => steps.nope);
    // @ts-expect-error a wrong property of an existing output
    base.step("b", ({ steps }) => steps.a.nme);
    // @ts-expect-error an input that does not exist
    base.step("b", ({ inputs }) => inputs.missing);
    // @ts-expect-error a wrong field in task parameters
    base.step("b", apply({ manifest: "m", namespce: "x" }));
    // @ts-expect-error a wrong type in task parameters
    base.step("b", apply({ manifest: 42 }));
    // @ts-expect-error a parameter function reading a step that does not exist
    base.step("b", apply(({ steps }) => ({ manifest: steps.zzz })));
    // @ts-expect-error needs may only name earlier steps
    base.step("b", () => 1, { needs: ["later"] });
    // @ts-expect-error a step outside needs is not visible
    base.step("z", () => 2).step("c", ({ steps }) => steps.z, { needs: ["a"] });
    // @ts-expect-error an unnamed task step whose id is taken: the result is a TypeError, not a builder
    base.step(apply({ manifest: "m" })).step(apply({ manifest: "n" })).step("x", () => 1);
    // @ts-expect-error the parameter function of an unnamed task step is typed too
    base.step(apply(({ steps }) => ({ manifest: steps.a.nope })));
    // @ts-expect-error duplicate id inside a forEach body clashes with an outer step
    base.forEach("f", [1], (b) => b.step("a", () => 1));
  });
});
