/** podCreate's logs, end to end through client-node and the emulated cluster: live, lossless across cuts, prefixed, with outputs. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
beforeEach(() => cluster.clearRequests());

describe("podCreate logs", () => {
  it.each([
    { name: "closed cleanly", modes: ["close", "close", "close", "close"] as const },
    { name: "reset", modes: ["reset", "reset", "reset", "reset"] as const },
    { name: "closed or reset", modes: ["close", "reset", "close", "reset"] as const },
  ])("loses and doubles no line when the log stream is $name again and again", async ({ modes }) => {
    const count = 8000;
    const rules = modes.map((mode) => cluster.faults.add({ match: { resource: "pods", subresource: "log" }, action: { type: "cutStream", after: 1500, mode }, times: 1 }));
    try {
      const run = await runPod(cluster, {
        spec: { containers: [{ name: "main", image: "capstan-test/counter:1", env: [{ name: "COUNT", value: String(count) }, { name: "BATCH", value: "500" }] }] },
      });
      expect(run.execution.state).toBe("SUCCESS");
      for (const r of rules) expect(r.fired).toBe(1);
      const lines = run.lines();
      expect(lines).toHaveLength(count);
      expect(lines).toEqual(Array.from({ length: count }, (_, i) => numbered(i + 1)));
      expect(run.execution.outputs).toMatchObject({ job: { vars: { count, container: "main" }, exitCodes: { main: 0 }, phase: "Succeeded" } });
      // The outputs line is consumed, not logged.
      expect(run.execution.logs.some((l) => l.message.includes('::{"outputs"'))).toBe(false);
    } finally {
      for (const r of rules) r.remove();
    }
    await noPodsLeft(cluster);
  });

  it("rides out 429s, 503s and resets from the apiserver on every kind of request", async () => {
    const rules = [
      cluster.faults.add({ match: { resource: "pods" }, action: { type: "status", code: 503, message: "etcd leader changed" }, every: 4, times: 6 }),
      cluster.faults.add({ match: { resource: "pods" }, action: { type: "status", code: 429, retryAfterSeconds: 0 }, every: 5, times: 4 }),
      cluster.faults.add({ match: { resource: "pods", subresource: "log" }, action: { type: "reset" }, first: 1 }),
    ];
    try {
      const run = await runPod(cluster, {
        spec: { containers: [{ name: "main", image: "capstan-test/counter:1", env: [{ name: "COUNT", value: "3000" }] }] },
        inputFiles: { "in.txt": "x" },
        outputFiles: ["*.txt"],
      });
      expect(run.execution.state).toBe("SUCCESS");
      expect(run.lines()).toEqual(Array.from({ length: 3000 }, (_, i) => numbered(i + 1)));
      for (const r of rules) expect(r.fired).toBeGreaterThan(0);
    } finally {
      for (const r of rules) r.remove();
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

  it("reads a native sidecar's log without waiting for it to end", async () => {
    const run = await runPod(cluster, {
      spec: {
        initContainers: [{ name: "proxy", image: "busybox", restartPolicy: "Always", command: ["sh", "-c", "echo proxy up; trap 'echo proxy down; exit 0' TERM; while true; do sleep 1; done"] }],
        containers: [{ name: "main", image: "capstan-test/counter:1", env: [{ name: "COUNT", value: "5" }] }],
      },
    });
    expect(run.execution.state).toBe("SUCCESS");
    expect(run.lines("[proxy] ")[0]).toBe("proxy up");
    expect(run.lines()).toHaveLength(5);
    await noPodsLeft(cluster);
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
    const run = await runPod(cluster, { spec: { containers: [{ name: "main", image: "capstan-test/slow:1" }] } }, {
      onEvent: (e) => {
        if (e.type === "log" && e.message === "[main] first") firstSeenAt = Date.now();
      },
    });
    const execution = run.execution;
    expect(execution.state).toBe("SUCCESS");
    expect(firstSeenAt).toBeGreaterThan(started);
    // "first" arrived while the container still ran (it waited for it), and the step ended soon
    // after the container did: no fixed wait for the tail (Kestra waits 30 s).
    expect(releaseAt).toBeGreaterThanOrEqual(firstSeenAt);
    expect(execution.endedAt.getTime() - releaseAt).toBeLessThan(3000);
    expect(execution.logs.map((l) => l.message)).toContain("[main] second");
  });
});
