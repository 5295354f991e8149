import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore, waitFor } from "../controllers/test-store.js";
import { createClusterRuntime } from "./index.js";
import type { ClusterRuntime } from "./types.js";
import { EVENTS, NODES, PODS } from "../controllers/refs.js";
import type { Pod } from "../controllers/k8s-types.js";
import type { KubeObject } from "../store/types.js";
import { RuntimeStatusError } from "./errors.js";

let runtime: ClusterRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

async function start(options: Parameters<typeof createClusterRuntime>[1] = {}): Promise<{ store: MemoryStore; rt: ClusterRuntime }> {
  const store = new MemoryStore();
  runtime = createClusterRuntime(store, options);
  await runtime.start();
  return { store, rt: runtime };
}

function pod(name: string, spec: Partial<Pod["spec"]>, extra: Partial<KubeObject["metadata"]> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", ...extra }, spec: { containers: [], ...spec } as Pod["spec"] };
}

const getPod = (store: MemoryStore, name: string): Pod | undefined => store.get(PODS, "default", name) as Pod | undefined;

async function collect(it: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const c of it) out += c;
  return out;
}

function eventsFor(store: MemoryStore, name: string): string[] {
  return store
    .list(EVENTS, "default")
    .filter((e) => (e["involvedObject"] as { name?: string }).name === name)
    .map((e) => `${e["reason"] as string}: ${e["message"] as string}`);
}

describe("kubelet", () => {
  it("creates the default nodes", async () => {
    const { store } = await start();
    expect(store.list(NODES).map((n) => n.metadata.name)).toEqual(["node-1", "node-2", "node-3"]);
  });

  it("runs a bare pod's sh -c script to Succeeded and serves its logs", async () => {
    const { store, rt } = await start();
    store.create(PODS, pod("hello", { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo hi; echo there >&2"] }] }));
    const done = await waitFor(() => (getPod(store, "hello")?.status?.phase === "Succeeded" ? getPod(store, "hello") : undefined));
    const cs = done.status?.containerStatuses?.[0];
    expect(cs?.state.terminated?.exitCode).toBe(0);
    expect(cs?.state.terminated?.reason).toBe("Completed");
    expect(done.spec.nodeName).toMatch(/^node-/);
    expect(await collect(rt.pods.logs("default", "hello", {}))).toBe("hi\nthere\n");
    const stamped = await collect(rt.pods.logs("default", "hello", { timestamps: true, tailLines: 1 }));
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z there\n$/);
    expect(await collect(rt.pods.logs("default", "hello", { limitBytes: 2 }))).toBe("hi");
    const events = eventsFor(store, "hello");
    expect(events[0]).toMatch(/^Scheduled: Successfully assigned default\/hello to node-/);
    expect(events).toContain('Pulling: Pulling image "busybox"');
    expect(events).toContain("Created: Created container: main");
    expect(events).toContain("Started: Started container main");
  });

  it("runs args as argv when the image has no program (kubectl run -- echo hi)", async () => {
    const { store, rt } = await start();
    store.create(PODS, pod("argv", { restartPolicy: "Never", containers: [{ name: "argv", image: "busybox", args: ["echo", "hello world"] }] }));
    await waitFor(() => getPod(store, "argv")?.status?.phase === "Succeeded");
    expect(await collect(rt.pods.logs("default", "argv", {}))).toBe("hello world\n");
  });

  it("marks a failing container Error and the pod Failed with restartPolicy Never", async () => {
    const { store } = await start();
    store.create(PODS, pod("fail", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "exit 3"] }] }));
    const p = await waitFor(() => (getPod(store, "fail")?.status?.phase === "Failed" ? getPod(store, "fail") : undefined));
    expect(p.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
  });

  it("restarts with back-off into CrashLoopBackOff and serves previous logs", async () => {
    const { store, rt } = await start();
    store.create(PODS, pod("crash", { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "echo run; exit 1"] }] }));
    const p = await waitFor(() => {
      const cur = getPod(store, "crash");
      const cs = cur?.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 2 && cs.state.waiting?.reason === "CrashLoopBackOff" ? cur : undefined;
    });
    const cs = p.status?.containerStatuses?.[0];
    expect(cs?.lastState.terminated?.exitCode).toBe(1);
    expect(cs?.state.waiting?.message).toMatch(/^back-off \d+s restarting failed container=c pod=crash_default\(/);
    expect(await collect(rt.pods.logs("default", "crash", { previous: true }))).toBe("run\n");
    expect(eventsFor(store, "crash").some((e) => e.startsWith("BackOff: Back-off restarting failed container c in pod crash_default"))).toBe(true);
  });

  it("runs init containers in order, shares emptyDir volumes, and keeps a sidecar running", async () => {
    const { store, rt } = await start();
    store.create(
      PODS,
      pod("init", {
        restartPolicy: "Never",
        volumes: [{ name: "work", emptyDir: {} }],
        initContainers: [
          { name: "first", image: "busybox", command: ["sh", "-c", "echo one > /work/order"], volumeMounts: [{ name: "work", mountPath: "/work" }] },
          { name: "side", image: "busybox", restartPolicy: "Always", command: ["sh", "-c", "echo side-up; sleep infinity"] },
          { name: "second", image: "busybox", command: ["sh", "-c", "echo two >> /work/order"], volumeMounts: [{ name: "work", mountPath: "/work" }] },
        ],
        containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "cat /data/order"], volumeMounts: [{ name: "work", mountPath: "/data" }] }],
      }),
    );
    const p = await waitFor(() => (getPod(store, "init")?.status?.phase === "Succeeded" ? getPod(store, "init") : undefined));
    expect(await collect(rt.pods.logs("default", "init", { container: "main" }))).toBe("one\ntwo\n");
    expect(await collect(rt.pods.logs("default", "init", { container: "side" }))).toBe("side-up\n");
    const inits = p.status?.initContainerStatuses ?? [];
    expect(inits.map((s) => s.name)).toEqual(["first", "side", "second"]);
    expect(inits[0]?.state.terminated?.reason).toBe("Completed");
    expect(inits[1]?.state.terminated).toBeDefined();
  });

  it("answers log errors as the apiserver does", async () => {
    const { store, rt } = await start({ timing: { imagePull: 500 } });
    store.create(PODS, pod("two", { containers: [{ name: "a", image: "busybox" }, { name: "b", image: "busybox" }] }));
    expect(() => rt.pods.logs("default", "missing", {})).toThrow('pods "missing" not found');
    expect(() => rt.pods.logs("default", "two", {})).toThrow("a container name must be specified for pod two, choose one of: [a b]");
    expect(() => rt.pods.logs("default", "two", { container: "zz" })).toThrow("container zz is not valid for pod two");
    await waitFor(() => getPod(store, "two")?.spec.nodeName);
    try {
      rt.pods.logs("default", "two", { container: "a" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RuntimeStatusError);
      expect((err as RuntimeStatusError).status).toMatchObject({ code: 400, reason: "BadRequest", message: 'container "a" in pod "two" is waiting to start: ContainerCreating' });
    }
  });

  it("follows logs until the container terminates", async () => {
    const { store, rt } = await start();
    rt.programs.register("ticker:*", async (ctx) => {
      for (let i = 0; i < 3; i++) {
        ctx.stdout.write(`tick ${i}\n`);
        await ctx.sleep(5);
      }
      return 0;
    });
    store.create(PODS, pod("tick", { restartPolicy: "Never", containers: [{ name: "t", image: "ticker:1" }] }));
    await waitFor(() => getPod(store, "tick")?.status?.containerStatuses?.[0]?.state.running);
    const followed = await collect(rt.pods.logs("default", "tick", { follow: true }));
    expect(followed).toBe("tick 0\ntick 1\ntick 2\n");
  });

  it("sends SIGTERM on delete, runs the trap, then removes the pod", async () => {
    const { store, rt } = await start();
    let sawAbort = false;
    rt.programs.register(/^server$/, async (ctx) => {
      ctx.setReady(true);
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      sawAbort = true;
      ctx.stdout.write("bye\n");
      return 0;
    });
    store.create(PODS, pod("srv", { containers: [{ name: "s", image: "server" }] }));
    await waitFor(() => getPod(store, "srv")?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True"));
    store.delete(PODS, "default", "srv");
    expect(getPod(store, "srv")?.metadata.deletionTimestamp).toBeDefined();
    await waitFor(() => getPod(store, "srv") === undefined);
    expect(sawAbort).toBe(true);
    expect(eventsFor(store, "srv")).toContain("Killing: Stopping container s");
  });

  it("runs postStart and preStop exec hooks around the container", async () => {
    const { store, rt } = await start();
    let volumeLog = "";
    rt.programs.register("hooked", async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      volumeLog = ctx.fs.readText("/shared/log");
      return 0;
    });
    store.create(PODS, pod("hooks", {
      volumes: [{ name: "shared", emptyDir: {} }],
      containers: [{
        name: "c",
        image: "hooked",
        volumeMounts: [{ name: "shared", mountPath: "/shared" }],
        lifecycle: { postStart: { exec: { command: ["sh", "-c", "echo started >> /shared/log"] } }, preStop: { exec: { command: ["sh", "-c", "echo stopping >> /shared/log"] } } },
      }],
    }));
    await waitFor(() => getPod(store, "hooks")?.status?.containerStatuses?.[0]?.ready);
    store.delete(PODS, "default", "hooks");
    await waitFor(() => getPod(store, "hooks") === undefined);
    expect(volumeLog).toBe("started\nstopping\n");
  });

  it("restarts a container whose exec liveness probe fails", async () => {
    const { store } = await start();
    store.create(PODS, pod("sick", {
      containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "touch /tmp/healthy; sleep 30; rm /tmp/healthy; sleep infinity"], livenessProbe: { exec: { command: ["test", "-f", "/tmp/healthy"] }, periodSeconds: 5, failureThreshold: 2 } }],
    }));
    const cs = await waitFor(() => {
      const s = getPod(store, "sick")?.status?.containerStatuses?.[0];
      return s && s.restartCount >= 1 ? s : undefined;
    });
    expect(cs.lastState.terminated?.exitCode).toBe(137);
    expect(eventsFor(store, "sick")).toContain("Killing: Container c failed liveness probe, will be restarted");
  });

  it("kills a program ignoring SIGTERM after the scaled grace period", async () => {
    const { store, rt } = await start();
    rt.programs.register("stubborn", () => new Promise<number>(() => {}));
    store.create(PODS, pod("stub", { terminationGracePeriodSeconds: 5, containers: [{ name: "s", image: "stubborn" }] }));
    await waitFor(() => getPod(store, "stub")?.status?.containerStatuses?.[0]?.state.running);
    const t0 = Date.now();
    store.delete(PODS, "default", "stub");
    await waitFor(() => getPod(store, "stub") === undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4);
  });

  it("leaves unschedulable pods Pending with the scheduler's message", async () => {
    const { store } = await start();
    store.create(PODS, pod("gpu", { containers: [{ name: "c", image: "cuda", resources: { limits: { "nvidia.com/gpu": "1" } } }] }));
    const p = await waitFor(() => {
      const cur = getPod(store, "gpu");
      return cur?.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False") ? cur : undefined;
    });
    const cond = p.status?.conditions?.find((c) => c.type === "PodScheduled");
    expect(cond?.reason).toBe("Unschedulable");
    expect(cond?.message).toBe("0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
    expect(p.status?.phase).toBe("Pending");
    await waitFor(() => eventsFor(store, "gpu").find((e) => e.startsWith("FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")));
  });

  it("holds pods with scheduling gates until the gates are removed", async () => {
    const { store } = await start();
    store.create(PODS, pod("gated", { schedulingGates: [{ name: "example.com/wait" }], containers: [{ name: "c", image: "nginx" }] } as Partial<Pod["spec"]>));
    const cond = await waitFor(() => getPod(store, "gated")?.status?.conditions?.find((c) => c.type === "PodScheduled"));
    expect(cond).toMatchObject({ status: "False", reason: "SchedulingGated" });
    store.mutate(PODS, "default", "gated", (d) => void delete (d["spec"] as { schedulingGates?: unknown }).schedulingGates);
    await waitFor(() => getPod(store, "gated")?.status?.phase === "Running");
  });

  it("schedules by nodeSelector and tolerations onto GPU nodes", async () => {
    const { store } = await start({
      nodes: [
        { name: "cpu-1" },
        { name: "gpu-1", labels: { accelerator: "a100" }, capacity: { "nvidia.com/gpu": "2" }, taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] },
      ],
    });
    store.create(PODS, pod("train", { tolerations: [{ key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" }], nodeSelector: { accelerator: "a100" }, containers: [{ name: "c", image: "cuda", resources: { limits: { "nvidia.com/gpu": "2" } } }] }));
    store.create(PODS, pod("plain", { nodeSelector: { accelerator: "a100" }, containers: [{ name: "c", image: "cuda" }] }));
    await waitFor(() => getPod(store, "train")?.spec.nodeName === "gpu-1");
    const plain = await waitFor(() => getPod(store, "plain")?.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False"));
    expect(plain.message).toBe("0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {gpu: true}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  });

  it("reports ErrImagePull then ImagePullBackOff for failing images", async () => {
    const { store, rt } = await start();
    rt.faults.failImagePull({ image: "ghcr.io/acme/missing*" });
    store.create(PODS, pod("nopull", { containers: [{ name: "c", image: "ghcr.io/acme/missing:v1" }] }));
    await waitFor(() => getPod(store, "nopull")?.status?.containerStatuses?.[0]?.state.waiting?.reason === "ImagePullBackOff");
    const events = eventsFor(store, "nopull");
    expect(events).toContain('Failed: Failed to pull image "ghcr.io/acme/missing:v1": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/missing:v1": failed to resolve reference "ghcr.io/acme/missing:v1": ghcr.io/acme/missing:v1: not found');
    expect(events).toContain("Failed: Error: ImagePullBackOff");
    expect(() => rt.pods.logs("default", "nopull", {})).toThrow('container "c" in pod "nopull" is waiting to start: trying and failing to pull image');
  });

  it("execs commands in a running container with its filesystem", async () => {
    const { store, rt } = await start();
    store.create(PODS, pod("box", { volumes: [{ name: "v", emptyDir: {} }], containers: [{ name: "c", image: "nginx:1.25", volumeMounts: [{ name: "v", mountPath: "/data" }], env: [{ name: "GREETING", value: "hey" }] }] }));
    await waitFor(() => getPod(store, "box")?.status?.containerStatuses?.[0]?.state.running);
    const out: string[] = [];
    const code = await rt.pods.exec("default", "box", undefined, ["sh", "-c", "echo $GREETING > /data/x; cat /data/x; exit 4"], { stdout: (c) => out.push(Buffer.from(c).toString()) });
    expect(code).toBe(4);
    expect(out.join("")).toBe("hey\n");
    expect(() => rt.pods.validateExec("default", "box", { command: ["ls"], container: "nope", stdin: false, stdout: true, stderr: true, tty: false })).toThrow("container nope is not valid for pod box");
  });

  it("evicts pods honouring PodDisruptionBudgets", async () => {
    const { store, rt } = await start();
    store.create({ group: "policy", version: "v1", resource: "poddisruptionbudgets" }, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb", namespace: "default" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "x" } } } });
    store.create(PODS, pod("x1", { containers: [{ name: "c", image: "nginx" }] }, { labels: { app: "x" } }));
    await waitFor(() => getPod(store, "x1")?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True"));
    expect(() => rt.faults.evictPod("default", "x1")).toThrow("Cannot evict pod as it would violate the pod's disruption budget.");
    store.create(PODS, pod("x2", { containers: [{ name: "c", image: "nginx" }] }, { labels: { app: "x" } }));
    await waitFor(() => getPod(store, "x2")?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True"));
    expect(rt.faults.evictPod("default", "x1")).toMatchObject({ status: "Success", code: 201 });
    expect(getPod(store, "x1")?.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.reason).toBe("EvictionByEvictionAPI");
    await waitFor(() => getPod(store, "x1") === undefined);
  });

  it("fails a pod that outlives activeDeadlineSeconds", async () => {
    const { store } = await start();
    store.create(PODS, pod("late", { activeDeadlineSeconds: 100, restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] }));
    const p = await waitFor(() => (getPod(store, "late")?.status?.phase === "Failed" ? getPod(store, "late") : undefined));
    expect(p.status?.reason).toBe("DeadlineExceeded");
    expect(p.status?.message).toBe("Pod was active on the node longer than the specified deadline");
    // SIGTERM ends the running sleep (143); a container not started yet is reported as 137.
    expect([137, 143]).toContain(p.status?.containerStatuses?.[0]?.state.terminated?.exitCode);
  });

  it("restarts a container whose image is updated", async () => {
    const { store } = await start();
    store.create(PODS, pod("img", { containers: [{ name: "c", image: "nginx:1.25" }] }));
    await waitFor(() => getPod(store, "img")?.status?.containerStatuses?.[0]?.state.running);
    store.mutate(PODS, "default", "img", (d) => void ((d as Pod).spec.containers[0]!.image = "nginx:1.26"));
    const cs = await waitFor(() => {
      const s = getPod(store, "img")?.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running && s.image === "nginx:1.26" ? s : undefined;
    });
    expect(cs.lastState.terminated?.exitCode).toBe(0);
    expect(eventsFor(store, "img")).toContain("Killing: Container c definition changed, will be restarted");
  });
});
