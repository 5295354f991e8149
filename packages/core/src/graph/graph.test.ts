import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { defineTask } from "../task/define.js";
import { FlowDefinitionError } from "../errors.js";

const apply = defineTask({ type: "kubernetes.apply", input: z.object({ manifest: z.string() }), run: () => ({ uid: "u" }) });

const demo = flow({ id: "demo", description: "d", labels: { team: "platform" }, inputs: z.object({ tenants: z.array(z.string()).describe("tenant names") }) })
  .step("render", () => "m")
  .step("apply", apply(({ steps }) => ({ manifest: steps.render })), { retry: { attempts: 3, backoff: "exponential", delay: "2s" }, timeout: "1m" })
  .forEach("tenants", ({ inputs }) => inputs.tenants, { concurrency: 5, errors: (e) => e.step("rollback", () => 1) }, (b) => b.step("t", apply({ manifest: "x" })))
  .if("gate", () => true, (t) => t.step("promote", () => 1), (e) => e.step("issue", () => 2))
  .parallel("checks", { a: (b) => b.step("x", () => 1), b: (b) => b.step("y", () => 2) })
  .errors((e) => e.step("alert", () => 1))
  .finally((f) => f.step("cleanup", () => 1));

describe("graph", () => {
  it("describes every node with its task type, dependencies and nested bodies", () => {
    const g = demo.graph();
    expect(g).toMatchObject({ id: "demo", description: "d", labels: { team: "platform" } });
    expect(g.inputs).toMatchObject({ type: "object", properties: { tenants: { type: "array", description: "tenant names" } } });
    expect(g.nodes.map((n) => [n.id, n.kind, n.task, n.needs])).toEqual([
      ["render", "step", "function", []],
      ["apply", "step", "kubernetes.apply", ["render"]],
      ["tenants", "forEach", undefined, ["apply"]],
      ["gate", "if", undefined, ["tenants"]],
      ["checks", "parallel", undefined, ["gate"]],
    ]);
    expect(g.nodes[1]!.options).toEqual({ retry: { attempts: 3, backoff: "exponential", delayMs: 2000, maxDelayMs: 300000, jitter: 0 }, timeoutMs: 60000 });
    expect(g.nodes[2]).toMatchObject({ options: { concurrency: 5, onItemError: "fail" }, body: [{ id: "t", task: "kubernetes.apply" }], errors: [{ id: "rollback" }] });
    expect(g.nodes[3]).toMatchObject({ then: [{ id: "promote" }], else: [{ id: "issue" }] });
    expect(Object.keys(g.nodes[4]!.branches!)).toEqual(["a", "b"]);
    expect(g.errors?.[0]?.id).toBe("alert");
    expect(g.finally?.[0]?.id).toBe("cleanup");
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });

  it("renders Mermaid and DOT", () => {
    const m = demo.graph("mermaid");
    expect(m.startsWith("flowchart TD\n")).toBe(true);
    expect(m).toContain('apply["apply<br/>kubernetes.apply"]');
    expect(m).toContain("render --> apply");
    expect(m).toContain('subgraph tenants__each["tenants each"]');
    expect(m).toContain("tenants -->|each| tenants_each_t");
    expect(m).toContain("gate -->|else| gate_else_issue");
    expect(m).toContain("checks -->|on failure| errors_alert");
    const d = demo.graph("dot");
    expect(d).toContain('digraph "demo" {');
    expect(d).toContain('apply [label="apply\\nkubernetes.apply", shape=box];');
    expect(d).toContain("subgraph cluster_tenants__each {");
    expect(d).toContain("render -> apply;");
  });

  it("rejects duplicate ids, unknown needs and cycles, listing every problem", () => {
    const bad = flow({ id: "bad" })
      .step("a", () => 1)
      .step("a" as never, () => 2)
      .step("b", () => 3, { needs: ["ghost"] as never })
      .step("c", () => 4, { needs: ["d"] as never })
      .step("d", () => 5, { needs: ["c"] as never })
      .step("e", () => 6, { timeout: "soon", retry: { attempts: 0 } })
      .forEach("f", [1], { concurrency: 0 }, (b) => b.step("a" as never, () => 1));
    const err = (() => {
      try {
        bad.validate();
      } catch (e) {
        return e;
      }
    })() as FlowDefinitionError;
    expect(err).toBeInstanceOf(FlowDefinitionError);
    expect(err.code).toBe("CAPSTAN_FLOW_INVALID");
    expect(err.problems).toEqual([
      'duplicate step id "a": ids must be unique; rename one of them',
      'step "b" needs "ghost", which is not a step in the same scope',
      'step "e": timeout: "soon" is not a duration',
      'step "e": retry.attempts must be a whole number >= 1 (total tries, including the first), got 0',
      'step id "f[].a" is already used by an enclosing scope; rename it',
      'forEach "f": concurrency must be a whole number >= 1 or Infinity, got 0',
      "steps form a cycle: c -> d -> c; remove one of these needs",
    ]);
    expect(() => bad.graph()).toThrow(FlowDefinitionError);
  });

  it("rejects bad builder arguments with a message that says what to pass", () => {
    expect(() => flow({ id: "x" }).step("a", 42 as never)).toThrow(/must be a task .* or a function of the context, got number/);
    expect(() => flow({ id: "has space" })).toThrow(/flow id "has space" is not valid/);
    expect(() => flow({ id: "x" }).step("bad id" as never, () => 1)).toThrow(/step id "bad id" is not valid/);
    expect(() => flow({ id: "x" }).forEach("f", 5 as never, (b) => b)).toThrow(/items must be an array or a function/);
  });
});
