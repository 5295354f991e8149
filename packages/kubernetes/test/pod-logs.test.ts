/** podCreate's logs, end to end through client-node and the emulated cluster: live, lossless across cuts, prefixed, with outputs. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockCluster } from "@capstan/testing";
import { noPodsLeft, numbered, runPod, startCluster } from "./pod-helpers.js";

let cluster: MockCluster;
beforeAll(async () => {
  cluster = await startCluster();
  // Prints `count` numbered lines in batches (simulated seconds apart), then its outputs.
  cluster.programs.register("capstan-test/counter:*", async (ctx) => {
    const count = Number(ctx.env.COUNT ?? "100");
    const batch = Number(ctx.env.BATCH ?? "100");
    for (let i = 1; i <= count; i += batch) {
      let chunk = "";
      for (let j = i; j < Math.min(i + batch, count + 1); j++) chunk += `${numbered(j)}\n`;
      ctx.stdout.write(chunk);
      await ctx.sleep(2);
    }
    ctx.stdout.write(`::{"outputs":{"count":${count},"container":"${ctx.containerName}"}}::\n`);
    return 0;
  });
});
afterAll(() => cluster.close());

describe("podCreate logs", () => {
  it("loses and doubles no line when the log stream is cut, cleanly or by a reset", async () => {
    const count = 20_000;
    const close = cluster.faults.add({ match: { resource: "pods", subresource: "log" }, action: { type: "cutStream", after: 3000, mode: "close" }, times: 2 });
    const reset = cluster.faults.add({ match: { resource: "pods", subresource: "log" }, action: { type: "cutStream", after: 3000, mode: "reset" }, times: 2 });
    try {
      const run = await runPod(cluster, {
        spec: { containers: [{ name: "main", image: "capstan-test/counter:1", env: [{ name: "COUNT", value: String(count) }, { name: "BATCH", value: "1000" }] }] },
      });
      expect(run.execution.state).toBe("SUCCESS");
      expect(close.fired).toBe(2);
      expect(reset.fired).toBe(2);
      const lines = run.lines();
      expect(lines).toHaveLength(count);
      expect(lines).toEqual(Array.from({ length: count }, (_, i) => numbered(i + 1)));
      expect(run.execution.outputs).toMatchObject({ job: { vars: { count, container: "main" }, exitCodes: { main: 0 }, phase: "Succeeded" } });
      // The outputs line is consumed, not logged.
      expect(run.execution.logs.some((l) => l.message.includes('::{"outputs"'))).toBe(false);
    } finally {
      close.remove();
      reset.remove();
    }
    await noPodsLeft(cluster);
  });

  it("streams every container, init containers included, each line prefixed with its container", async () => {
    const run = await runPod(cluster, {
      spec: {
        initContainers: [{ name: "prepare", image: "busybox", command: ["sh", "-c", "echo preparing; echo prepared"] }],
        containers: [
          { name: "main", image: "capstan-test/counter:1", env: [{ name: "COUNT", value: "50" }] },
          { name: "helper", image: "capstan-test/counter:1", env: [{ name: "COUNT", value: "30" }] },
        ],
      },
    });
    expect(run.execution.state).toBe("SUCCESS");
    expect(run.lines("[prepare] ")).toEqual(["preparing", "prepared"]);
    expect(run.lines("[main] ")).toEqual(Array.from({ length: 50 }, (_, i) => numbered(i + 1)));
    expect(run.lines("[helper] ")).toEqual(Array.from({ length: 30 }, (_, i) => numbered(i + 1)));
    // Later lines win: both containers print outputs; the key set is the union.
    expect(run.execution.outputs).toMatchObject({ job: { exitCodes: { prepare: 0, main: 0, helper: 0 } } });
    expect([50, 30]).toContain((run.execution.outputs as { job: { vars: { count: number } } }).job.vars.count);
  });

  it("logs lines as they are printed, not at the end", async () => {
    let releaseAt = 0;
    let firstSeenAt = 0;
    cluster.programs.register("capstan-test/slow:*", async (ctx) => {
      ctx.stdout.write("first\n");
      // Wait (really) until the line reached the execution log, then finish.
      for (let i = 0; i < 500 && !firstSeenAt; i++) await new Promise((r) => setTimeout(r, 10));
      releaseAt = Date.now();
      ctx.stdout.write("second\n");
      return 0;
    });
    const started = Date.now();
    const { flow } = await import("@capstan/core");
    const { podCreate } = await import("../src/tasks/pod/index.js");
    const { kubernetes } = await import("../src/cluster/spec.js");
    const execution = await flow({ id: "live" })
      .step("job", podCreate({ spec: { containers: [{ name: "main", image: "capstan-test/slow:1" }] } }))
      .run({
        services: kubernetes({ default: { kubeconfig: cluster.kubeconfig } }),
        onEvent: (e) => {
          if (e.type === "log" && e.message === "[main] first") firstSeenAt = Date.now();
        },
      });
    expect(execution.state).toBe("SUCCESS");
    expect(firstSeenAt).toBeGreaterThan(started);
    // "first" arrived while the container still ran (it waited for it), and the step ended soon
    // after the container did: no fixed wait for the tail (Kestra waits 30 s).
    expect(releaseAt).toBeGreaterThanOrEqual(firstSeenAt);
    expect(execution.endedAt.getTime() - releaseAt).toBeLessThan(3000);
    expect(execution.logs.map((l) => l.message)).toContain("[main] second");
  });
});
