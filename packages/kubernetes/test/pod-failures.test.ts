/** podCreate fails fast and says why: image pulls, unschedulable pods, exits, crash loops, deletion from outside. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockCluster } from "@capstan/testing";
import { deferred, noPodsLeft, numbered, pods, runPod, startCluster } from "./pod-helpers.js";

let cluster: MockCluster;
const started = new Map<string, (pod: string) => void>();

beforeAll(async () => {
  cluster = await startCluster();
  // Prints LINES numbered lines and exits with EXIT; with HOLD, then waits to be stopped.
  cluster.programs.register("capstan-test/script:*", async (ctx) => {
    for (let i = 1; i <= Number(ctx.env.LINES ?? "0"); i++) ctx.stdout.write(`${numbered(i)}\n`);
    if (ctx.env.HOLD) {
      started.get(ctx.env.HOLD)?.(ctx.podName);
      await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener("abort", () => resolve(), { once: true })));
    }
    return Number(ctx.env.EXIT ?? "0");
  });
});
afterAll(() => cluster.close());

const script = (env: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  name: "main",
  image: "capstan-test/script:1",
  env: Object.entries(env).map(([name, value]) => ({ name, value })),
  ...extra,
});

describe("podCreate failures", () => {
  it("fails fast on ImagePullBackOff with the reason, and deletes the pod", async () => {
    const fault = cluster.faults.add({ type: "imagePullFailure", image: "registry.example.com/missing:*", message: 'failed to resolve reference "registry.example.com/missing:1.0": not found' });
    try {
      const t0 = Date.now();
      const run = await runPod(cluster, { spec: { containers: [{ name: "main", image: "registry.example.com/missing:1.0" }] }, waitUntilRunning: "5m" });
      expect(run.execution.state).toBe("FAILED");
      expect(run.execution.error).toMatchObject({ code: "CAPSTAN_K8S_IMAGE_PULL", stepPath: "job" });
      expect(run.execution.error?.message).toMatch(/container main cannot get its image registry\.example\.com\/missing:1\.0: ImagePullBackOff/);
      // Fast: the 5m budget was not waited out.
      expect(Date.now() - t0).toBeLessThan(5000);
      // The pod's Warning events are logged: they carry the registry's answer.
      expect(run.execution.logs.filter((l) => l.level === "warn").map((l) => l.message)).toContainEqual(expect.stringMatching(/event Failed.*registry\.example\.com\/missing:1\.0.*not found/));
    } finally {
      fault.remove();
    }
    await noPodsLeft(cluster);
  });

  it("fails fast on an unschedulable GPU pod with the scheduler's message", async () => {
    const run = await runPod(cluster, {
      spec: {
        nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" },
        containers: [{ name: "main", image: "capstan-test/script:1", resources: { limits: { "nvidia.com/gpu": "1" } } }],
      },
    });
    expect(run.execution.state).toBe("FAILED");
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_UNSCHEDULABLE");
    expect(run.execution.error?.message).toMatch(/no node can run it: 0\/3 nodes are available/);
    await noPodsLeft(cluster);
  });

  it('waits for a node with unschedulable: "wait", bounded by waitUntilRunning', async () => {
    const run = await runPod(cluster, {
      spec: { containers: [{ name: "main", image: "capstan-test/script:1", resources: { limits: { "nvidia.com/gpu": "1" } } }] },
      unschedulable: "wait",
      waitUntilRunning: "400ms",
    });
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_TIMEOUT");
    expect(run.execution.error?.message).toMatch(/did not start within 400ms \(Pending \(unschedulable: .*nvidia\.com\/gpu/);
    await noPodsLeft(cluster);
  });

  it("fails on a non-zero exit, quoting the container's last log lines", async () => {
    const run = await runPod(cluster, { spec: { containers: [script({ LINES: "30", EXIT: "3" })] } });
    expect(run.execution.state).toBe("FAILED");
    const error = run.execution.error!;
    expect(error.code).toBe("CAPSTAN_K8S_POD_FAILED");
    expect(error.message).toMatch(/container main exited with code 3 \(Error\)/);
    expect(error.message).toContain(`last log lines of main:\n  ${numbered(11)}`);
    expect(error.message).toContain(numbered(30));
    expect(error.message).not.toContain(numbered(10));
    // Every line still reached the execution log.
    expect(run.lines()).toHaveLength(30);
    await noPodsLeft(cluster);
  });

  it("fails on a non-zero exit even while the output-file container keeps the pod running (Kestra's #207)", async () => {
    const run = await runPod(cluster, { spec: { containers: [script({ LINES: "1", EXIT: "7" })] }, outputFiles: ["**"] });
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_FAILED");
    expect(run.execution.error?.message).toMatch(/container main exited with code 7/);
    await noPodsLeft(cluster);
  });

  it("fails when a user init container fails", async () => {
    const run = await runPod(cluster, {
      spec: { initContainers: [{ ...script({ LINES: "2", EXIT: "2" }), name: "prepare" }], containers: [script({})] },
    });
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_FAILED");
    expect(run.execution.error?.message).toMatch(/container prepare exited with code 2/);
    expect(run.lines("[prepare] ")).toEqual([numbered(1), numbered(2)]);
  });

  it("fails fast on CrashLoopBackOff (restartPolicy OnFailure)", async () => {
    const run = await runPod(cluster, { spec: { restartPolicy: "OnFailure", containers: [script({ LINES: "1", EXIT: "1" })] } });
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_CRASHLOOP");
    expect(run.execution.error?.message).toMatch(/container main keeps crashing \(CrashLoopBackOff after \d+ restarts, last exit code 1/);
    await noPodsLeft(cluster);
  });

  it("fails at once, not at its timeout, when the pod is deleted from outside", async () => {
    const running = deferred<string>();
    started.set("deleted", running.resolve);
    const logged = deferred();
    const t0 = Date.now();
    const result = runPod(
      cluster,
      { spec: { containers: [script({ LINES: "3", HOLD: "deleted" })] }, timeout: "10m" },
      { onEvent: (e) => e.type === "log" && e.message === `[main] ${numbered(3)}` && logged.resolve() },
    );
    const name = await running.promise;
    await logged.promise;
    cluster.delete({ apiVersion: "v1", kind: "Pod", name, namespace: "default" });
    const run = await result;
    expect(run.execution.state).toBe("FAILED");
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_DELETED");
    expect(run.execution.error?.message).toContain(`pod ${name} was deleted by someone else before it finished`);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run.lines()).toEqual([numbered(1), numbered(2), numbered(3)]);
    await noPodsLeft(cluster);
  });

  it("keeps the pod for forensics with delete: false", async () => {
    const run = await runPod(cluster, { spec: { containers: [script({ LINES: "1", EXIT: "4" })] }, delete: false });
    expect(run.execution.error?.code).toBe("CAPSTAN_K8S_POD_FAILED");
    const kept = pods(cluster);
    expect(kept).toHaveLength(1);
    expect(cluster.get({ apiVersion: "v1", kind: "Pod", name: kept[0]!.name, namespace: "default" })?.status).toMatchObject({ phase: "Failed" });
    cluster.delete({ apiVersion: "v1", kind: "Pod", name: kept[0]!.name, namespace: "default" });
    await noPodsLeft(cluster);
  });
});
