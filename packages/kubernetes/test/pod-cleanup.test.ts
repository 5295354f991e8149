/** No pod is left behind: cancellation, the step's timeout and podCreate's own time budgets all delete it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockCluster } from "@capstan/testing";
import { deferred, noPodsLeft, pods, runPod, startCluster } from "./pod-helpers.js";

let cluster: MockCluster;
let onStart: ((pod: string) => void) | undefined;

beforeAll(async () => {
  // The held program never ends by itself.
  cluster = await startCluster({ runtime: { timing: { imagePull: 5 } } });
  cluster.programs.register("capstan-test/hold:*", async (ctx) => {
    ctx.stdout.write("holding\n");
    onStart?.(ctx.podName);
    await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve(), { once: true })));
    return 0;
  });
});
afterAll(() => cluster.close());

const hold = { containers: [{ name: "main", image: "capstan-test/hold:1" }] };

describe("podCreate cleanup", () => {
  it("deletes the pod when the execution is cancelled", async () => {
    const started = deferred<string>();
    onStart = started.resolve;
    const ac = new AbortController();
    const result = runPod(cluster, { spec: hold }, { signal: ac.signal });
    const name = await started.promise;
    expect(pods(cluster).map((p) => p.name)).toEqual([name]);
    ac.abort();
    const run = await result;
    expect(run.execution.state).toBe("CANCELLED");
    // The delete was sent before the step gave up its cancellation grace.
    expect(cluster.requests.some((r) => r.method === "DELETE" && r.name === name)).toBe(true);
    await noPodsLeft(cluster);
  });

  it("deletes the pod when the step's timeout fires", async () => {
    const started = deferred<string>();
    onStart = started.resolve;
    const run = await runPod(cluster, { spec: hold }, { stepTimeout: 300 });
    const name = await started.promise;
    expect(run.execution.error?.code).toBe("CAPSTAN_STEP_TIMEOUT");
    // The step fails on time; the execution ends once the abandoned attempt deleted its pod.
    expect(cluster.requests.some((r) => r.method === "DELETE" && r.name === name)).toBe(true);
    expect(run.lines("")).toContain(`deleted pod ${name}`);
    await noPodsLeft(cluster);
  });

  it("fails and deletes the pod when it runs longer than timeout", async () => {
    onStart = undefined;
    const run = await runPod(cluster, { spec: hold, timeout: "200ms" });
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_TIMEOUT");
    expect(run.execution.error?.message).toMatch(/did not finish within 200ms \(Running\)/);
    await noPodsLeft(cluster);
  });

  it("fails and deletes the pod when it does not start within waitUntilRunning", async () => {
    onStart = undefined;
    const slow = await startCluster({ runtime: { timing: { imagePull: 2000 } } });
    try {
      const run = await runPod(slow, { spec: { containers: [{ name: "main", image: "busybox" }] }, waitUntilRunning: "150ms" });
      expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_TIMEOUT");
      expect(run.execution.error?.message).toMatch(/did not start within 150ms \(Pending \(main: ContainerCreating\)\)/);
      await noPodsLeft(slow);
    } finally {
      await slow.close();
    }
  });

  it("keeps the pod when cancelled with delete: false", async () => {
    const started = deferred<string>();
    onStart = started.resolve;
    const ac = new AbortController();
    const result = runPod(cluster, { spec: hold, delete: false }, { signal: ac.signal });
    const name = await started.promise;
    ac.abort();
    expect((await result).execution.state).toBe("CANCELLED");
    expect(pods(cluster)).toEqual([expect.objectContaining({ name, deleting: false })]);
    cluster.delete({ apiVersion: "v1", kind: "Pod", name, namespace: "default" });
    await noPodsLeft(cluster);
  });
});
