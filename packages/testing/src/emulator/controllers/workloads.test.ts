import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore, waitFor } from "./test-store.js";
import { createClusterRuntime } from "../kubelet/index.js";
import type { ClusterRuntime, ClusterRuntimeOptions } from "../kubelet/types.js";
import { CONTROLLERREVISIONS, DAEMONSETS, DEPLOYMENTS, EVENTS, JOBS, PODS, PVCS, REPLICASETS, STATEFULSETS } from "./refs.js";
import type { Pod, Workload } from "./k8s-types.js";
import type { KubeObject } from "../store/types.js";
import { getCondition } from "./objects.js";

let runtime: ClusterRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

async function start(options: ClusterRuntimeOptions = {}): Promise<{ store: MemoryStore; rt: ClusterRuntime }> {
  const store = new MemoryStore();
  runtime = createClusterRuntime(store, options);
  await runtime.start();
  return { store, rt: runtime };
}

const template = (image: string, labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: "app", image }] } });

function deployment(name: string, replicas: number, image: string, extra: Record<string, unknown> = {}): Workload {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "default" }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template(image, { app: name }), ...extra } };
}

const pods = (store: MemoryStore, label: string): Pod[] => (store.list(PODS, "default") as Pod[]).filter((p) => p.metadata.labels?.["app"] === label);

/** `kubectl rollout status` for a Deployment (rollout_status.go). */
function rolledOut(d: Workload | undefined): boolean {
  if (!d?.status) return false;
  const s = d.status as Record<string, number>;
  const want = d.spec.replicas ?? 1;
  return (d.metadata.generation ?? 0) <= (s["observedGeneration"] ?? 0) && (s["updatedReplicas"] ?? 0) >= want && (s["replicas"] ?? 0) <= (s["updatedReplicas"] ?? 0) && (s["availableReplicas"] ?? 0) >= (s["updatedReplicas"] ?? 0);
}

describe("Deployment", () => {
  it("rolls out, becomes Available, and rolls a new template with bounded surge", async () => {
    const { store } = await start();
    store.create(DEPLOYMENTS, deployment("web", 3, "nginx:1.25"));
    const d1 = await waitFor(() => {
      const d = store.get(DEPLOYMENTS, "default", "web") as Workload | undefined;
      return rolledOut(d) && getCondition(d?.status?.conditions, "Available")?.status === "True" ? d : undefined;
    });
    expect(getCondition(d1.status?.conditions, "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    expect(d1.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    const rs1 = store.list(REPLICASETS, "default")[0] as Workload;
    const hash = rs1.metadata.labels?.["pod-template-hash"];
    expect(rs1.metadata.name).toBe(`web-${hash}`);
    expect(pods(store, "web").every((p) => p.metadata.labels?.["pod-template-hash"] === hash && p.metadata.name?.startsWith(`web-${hash}-`))).toBe(true);

    // rollout restart: patch the template annotation
    let maxPods = 0;
    const unsub = store.subscribe(() => {
      maxPods = Math.max(maxPods, pods(store, "web").filter((p) => !p.metadata.deletionTimestamp).length);
    });
    store.mutate(DEPLOYMENTS, "default", "web", (d) => {
      const t = (d as Workload).spec.template;
      t.metadata = { ...t.metadata, annotations: { "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z" } };
    });
    const d2 = await waitFor(() => {
      const d = store.get(DEPLOYMENTS, "default", "web") as Workload | undefined;
      return d && d.metadata.annotations?.["deployment.kubernetes.io/revision"] === "2" && rolledOut(d) ? d : undefined;
    });
    unsub();
    expect(maxPods).toBeLessThanOrEqual(4); // 3 + 25% surge rounded up
    const rsets = store.list(REPLICASETS, "default") as Workload[];
    expect(rsets).toHaveLength(2);
    expect(rsets.find((r) => r.metadata.name === rs1.metadata.name)?.spec.replicas).toBe(0);
    expect((d2.status as Record<string, number>)["updatedReplicas"]).toBe(3);
    await waitFor(() => pods(store, "web").length === 3 && pods(store, "web").every((p) => p.metadata.labels?.["pod-template-hash"] !== hash));
  });

  it("replaces all pods at once with the Recreate strategy", async () => {
    const { store } = await start();
    store.create(DEPLOYMENTS, deployment("rc", 2, "app:1", { strategy: { type: "Recreate" } }));
    await waitFor(() => rolledOut(store.get(DEPLOYMENTS, "default", "rc") as Workload));
    let mixed = false;
    const unsub = store.subscribe(() => {
      const images = new Set(pods(store, "rc").filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running").map((p) => p.spec.containers[0]?.image));
      if (images.size > 1) mixed = true;
    });
    store.mutate(DEPLOYMENTS, "default", "rc", (d) => void ((d as Workload).spec.template.spec.containers[0]!.image = "app:2"));
    await waitFor(() => {
      const d = store.get(DEPLOYMENTS, "default", "rc") as Workload;
      return rolledOut(d) && pods(store, "rc").every((p) => p.spec.containers[0]?.image === "app:2");
    });
    unsub();
    expect(mixed).toBe(false);
  });

  it("scales up and down", async () => {
    const { store } = await start();
    store.create(DEPLOYMENTS, deployment("s", 1, "nginx:1.25"));
    await waitFor(() => rolledOut(store.get(DEPLOYMENTS, "default", "s") as Workload));
    store.mutate(DEPLOYMENTS, "default", "s", (d) => void ((d as Workload).spec.replicas = 4));
    await waitFor(() => pods(store, "s").filter((p) => !p.metadata.deletionTimestamp).length === 4 && rolledOut(store.get(DEPLOYMENTS, "default", "s") as Workload));
    store.mutate(DEPLOYMENTS, "default", "s", (d) => void ((d as Workload).spec.replicas = 2));
    await waitFor(() => pods(store, "s").length === 2);
  });

  it("reports ProgressDeadlineExceeded when the new image cannot be pulled", async () => {
    const { store, rt } = await start();
    rt.faults.failImagePull({ image: "broken:*" });
    store.create(DEPLOYMENTS, deployment("bad", 1, "broken:1", { progressDeadlineSeconds: 30 }));
    const d = await waitFor(() => {
      const cur = store.get(DEPLOYMENTS, "default", "bad") as Workload | undefined;
      return getCondition(cur?.status?.conditions, "Progressing")?.reason === "ProgressDeadlineExceeded" ? cur : undefined;
    });
    expect(getCondition(d.status?.conditions, "Progressing")).toMatchObject({ status: "False", message: expect.stringMatching(/^ReplicaSet "bad-\w+" has timed out progressing\.$/) });
    expect(getCondition(d.status?.conditions, "Available")?.status).toBe("False");
  });
});

describe("garbage collection", () => {
  it("deletes dependents in the background, foreground, and orphans them", async () => {
    const { store } = await start();
    for (const n of ["bg", "fg", "or"]) store.create(DEPLOYMENTS, deployment(n, 2, "nginx:1.25"));
    await waitFor(() => ["bg", "fg", "or"].every((n) => rolledOut(store.get(DEPLOYMENTS, "default", n) as Workload)));

    store.delete(DEPLOYMENTS, "default", "bg", { propagationPolicy: "Background" });
    expect(store.get(DEPLOYMENTS, "default", "bg")).toBeUndefined();
    await waitFor(() => pods(store, "bg").length === 0 && !store.list(REPLICASETS, "default").some((r) => r.metadata.name?.startsWith("bg-")));

    store.delete(DEPLOYMENTS, "default", "fg", { propagationPolicy: "Foreground" });
    const fg = store.get(DEPLOYMENTS, "default", "fg");
    expect(fg?.metadata.finalizers).toContain("foregroundDeletion");
    await waitFor(() => store.get(DEPLOYMENTS, "default", "fg") === undefined);
    expect(pods(store, "fg")).toHaveLength(0);

    store.delete(DEPLOYMENTS, "default", "or", { propagationPolicy: "Orphan" });
    await waitFor(() => store.get(DEPLOYMENTS, "default", "or") === undefined);
    const orphanRs = store.list(REPLICASETS, "default").find((r) => r.metadata.name?.startsWith("or-"));
    expect(orphanRs?.metadata.ownerReferences).toBeUndefined();
    expect(pods(store, "or")).toHaveLength(2);
  });
});

describe("StatefulSet", () => {
  it("creates ordered pods with claims and rolls updates in reverse order", async () => {
    const { store } = await start();
    const created: string[] = [];
    store.subscribe((e) => {
      if (e.type === "ADDED" && e.resource.resource === "pods") created.push(e.object.metadata.name ?? "");
    });
    store.create(STATEFULSETS, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: "default" },
      spec: {
        replicas: 3,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: template("postgres:16", { app: "db" }),
        updateStrategy: { type: "RollingUpdate" },
        volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    });
    const done = (rev?: string) => (s: Workload | undefined): boolean => {
      const st = (s?.status ?? {}) as Record<string, unknown>;
      return st["readyReplicas"] === 3 && st["updateRevision"] === st["currentRevision"] && (rev === undefined || st["updateRevision"] !== rev) && (st["observedGeneration"] as number) >= (s?.metadata.generation ?? 1);
    };
    const s1 = await waitFor(() => {
      const s = store.get(STATEFULSETS, "default", "db") as Workload | undefined;
      return done()(s) ? s : undefined;
    });
    expect(created).toEqual(["db-0", "db-1", "db-2"]);
    expect(store.list(PVCS, "default").map((c) => c.metadata.name)).toEqual(["data-db-0", "data-db-1", "data-db-2"]);
    expect((store.get(PODS, "default", "db-1") as Pod).spec.volumes?.find((v) => v.name === "data")?.persistentVolumeClaim?.claimName).toBe("data-db-1");
    const rev1 = (s1.status as Record<string, string>)["currentRevision"];
    expect(store.list(CONTROLLERREVISIONS, "default").map((r) => r.metadata.name)).toEqual([rev1]);

    created.length = 0;
    store.mutate(STATEFULSETS, "default", "db", (d) => void ((d as Workload).spec.template.spec.containers[0]!.image = "postgres:17"));
    const s2 = await waitFor(() => {
      const s = store.get(STATEFULSETS, "default", "db") as Workload | undefined;
      return done(rev1)(s) ? s : undefined;
    });
    expect(created).toEqual(["db-2", "db-1", "db-0"]);
    expect((s2.status as Record<string, number>)["updatedReplicas"]).toBe(3);
  });
});

describe("DaemonSet", () => {
  it("runs one pod per schedulable node", async () => {
    const { store } = await start({ nodes: [{ name: "a" }, { name: "b" }, { name: "c", taints: [{ key: "dedicated", effect: "NoSchedule" }] }] });
    store.create(DAEMONSETS, { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "default" }, spec: { selector: { matchLabels: { app: "agent" } }, template: template("agent:1", { app: "agent" }) } });
    const ds = await waitFor(() => {
      const d = store.get(DAEMONSETS, "default", "agent") as Workload | undefined;
      const s = (d?.status ?? {}) as Record<string, number>;
      return s["numberReady"] === 2 && s["numberAvailable"] === 2 ? d : undefined;
    });
    expect((ds.status as Record<string, number>)["desiredNumberScheduled"]).toBe(2);
    expect(pods(store, "agent").map((p) => p.spec.nodeName).sort()).toEqual(["a", "b"]);
  });
});

describe("Job", () => {
  it("completes with parallelism and counts succeeded pods", async () => {
    const { store } = await start();
    store.create(JOBS, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "batch", namespace: "default" }, spec: { completions: 3, parallelism: 2, template: { spec: { restartPolicy: "Never", containers: [{ name: "w", image: "busybox", command: ["sh", "-c", "echo work"] }] } } } });
    const job = await waitFor(() => {
      const j = store.get(JOBS, "default", "batch");
      return getCondition((j?.["status"] as { conditions?: [] } | undefined)?.conditions, "Complete")?.status === "True" ? j : undefined;
    });
    const status = job["status"] as Record<string, unknown>;
    expect(status["succeeded"]).toBe(3);
    expect(status["completionTime"]).toBeDefined();
    expect(store.list(PODS, "default").filter((p) => p.metadata.labels?.["job-name"] === "batch")).toHaveLength(3);
  });

  it("runs Indexed jobs with one pod per completion index and cleans up after ttlSecondsAfterFinished", async () => {
    const { store, rt } = await start();
    const seen: string[] = [];
    rt.programs.register("indexed", (ctx) => void seen.push(ctx.env["JOB_COMPLETION_INDEX"] ?? "?"));
    store.create(JOBS, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "idx", namespace: "default" }, spec: { completions: 3, parallelism: 3, completionMode: "Indexed", ttlSecondsAfterFinished: 20, template: { spec: { restartPolicy: "Never", containers: [{ name: "w", image: "indexed" }] } } } });
    const job = await waitFor(() => {
      const j = store.get(JOBS, "default", "idx");
      return (j?.["status"] as { completedIndexes?: string } | undefined)?.completedIndexes === "0-2" ? j : undefined;
    });
    expect(getCondition((job["status"] as { conditions?: [] }).conditions, "Complete")?.status).toBe("True");
    expect(seen.sort()).toEqual(["0", "1", "2"]);
    await waitFor(() => store.get(JOBS, "default", "idx") === undefined && store.list(PODS, "default").length === 0);
  });

  it("counts container restarts against backoffLimit with restartPolicy OnFailure", async () => {
    const { store } = await start();
    store.create(JOBS, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "flaky", namespace: "default" }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "w", image: "busybox", command: ["sh", "-c", "exit 1"] }] } } } });
    const job = await waitFor(() => {
      const j = store.get(JOBS, "default", "flaky");
      return getCondition((j?.["status"] as { conditions?: [] } | undefined)?.conditions, "Failed")?.status === "True" ? j : undefined;
    });
    expect(getCondition((job["status"] as { conditions?: [] }).conditions, "Failed")?.reason).toBe("BackoffLimitExceeded");
    await waitFor(() => store.list(PODS, "default").every((p) => p.metadata.deletionTimestamp !== undefined || (p as Pod).status?.phase !== "Running"));
  });

  it("fails after backoffLimit failed pods", async () => {
    const { store } = await start();
    store.create(JOBS, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "doomed", namespace: "default" }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: "Never", containers: [{ name: "w", image: "busybox", command: ["sh", "-c", "exit 1"] }] } } } });
    const job = await waitFor(() => {
      const j = store.get(JOBS, "default", "doomed");
      return getCondition((j?.["status"] as { conditions?: [] } | undefined)?.conditions, "Failed")?.status === "True" ? j : undefined;
    });
    const status = job["status"] as { failed?: number; conditions?: { type: string; reason?: string }[] };
    expect(status.failed).toBe(3);
    expect(status.conditions?.find((c) => c.type === "Failed")?.reason).toBe("BackoffLimitExceeded");
  });
});

describe("CronJob", () => {
  it("creates jobs on schedule as the manual clock advances", async () => {
    const { ManualClock } = await import("../kubelet/clock.js");
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 30));
    const { store } = await start({ clock });
    store.create({ group: "batch", version: "v1", resource: "cronjobs" }, {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "tick", namespace: "default", creationTimestamp: "2026-01-01T00:00:30Z" },
      spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "t", image: "busybox", command: ["sh", "-c", "date"] }] } } } } },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(store.list(JOBS, "default")).toHaveLength(0);
    clock.advance(5 * 60_000);
    const jobs = await waitFor(() => {
      const list = store.list(JOBS, "default");
      return list.length === 1 ? list : undefined;
    });
    expect(jobs[0]?.metadata.name).toBe(`tick-${Math.floor(Date.UTC(2026, 0, 1, 0, 5) / 60000)}`);
    expect(jobs[0]?.metadata.ownerReferences?.[0]?.kind).toBe("CronJob");
    clock.advance(5 * 60_000);
    await waitFor(() => store.list(JOBS, "default").length === 2);
  });
});

describe("node loss", () => {
  it("replaces pods of a lost node on the remaining nodes", async () => {
    const { store, rt } = await start();
    store.create(DEPLOYMENTS, deployment("ha", 3, "nginx:1.25"));
    await waitFor(() => rolledOut(store.get(DEPLOYMENTS, "default", "ha") as Workload));
    const victim = pods(store, "ha")[0]?.spec.nodeName ?? "";
    rt.faults.loseNode(victim);
    await waitFor(() => {
      const list = pods(store, "ha");
      return list.length === 3 && list.every((p) => p.spec.nodeName !== victim) && rolledOut(store.get(DEPLOYMENTS, "default", "ha") as Workload);
    });
    const node = store.get({ group: "", version: "v1", resource: "nodes" }, undefined, victim) as KubeObject;
    expect(getCondition((node["status"] as { conditions?: [] }).conditions, "Ready")?.status).toBe("Unknown");
    expect(store.list(EVENTS, "default").some((e) => e["reason"] === "TaintManagerEviction")).toBe(true);
  });
});
