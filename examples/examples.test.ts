/** The examples run as tests too, so they keep working (CI type-checks and runs them). */
import { describe, expect, it } from "vitest";
import { release } from "./hello.ts";
import { revisions, tenants } from "./tenants.ts";

describe("examples", () => {
  it("hello: releases to every region and announces", async () => {
    const ex = await release.run({ inputs: { regions: ["eu", "us"], parallelism: 2 } });
    expect(ex.state).toBe("SUCCESS");
    expect(ex.steps.resolve?.attempts).toBe(2);
    expect(ex.outputs?.announce).toEqual({ taken: "then", steps: { post: { text: "released registry.example.com/app:1.4.2 to eu, us" } } });
  });

  it("hello: holds the announcement when a region is unhealthy", async () => {
    const ex = await release.run({ inputs: { regions: ["eu", "sa"], version: "0.0.1" } });
    expect(ex.outputs?.announce.taken).toBe("else");
  });

  it("hello: rejects a bad version before any step runs", async () => {
    const ex = await release.run({ inputs: { regions: ["eu"], version: "latest" } });
    expect(ex.state).toBe("FAILED");
    expect(ex.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(ex.error?.message).toContain("version: expected a semantic version like 1.2.3");
  });

  it("tenants: rolls back only the failing tenants and updates the rest", async () => {
    revisions.clear();
    const ex = await tenants.run({ inputs: { failing: ["beta", "delta"], revision: 9 } });
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.report).toEqual({ updated: ["alpha", "gamma", "epsilon"], rolledBack: 2 });
    expect(Object.fromEntries(revisions)).toEqual({ alpha: 9, beta: 8, gamma: 9, delta: 8, epsilon: 9 });
    expect(ex.steps.rollout?.items).toMatchObject({ total: 5, succeeded: 3, failed: 2 });
  });
});
