import { describe, expect, it } from "vitest";
import { readiness } from "./readiness.js";

const dep = (spec: object, status: object, generation = 2) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", generation }, spec, status });

describe("readiness", () => {
  it("follows kubectl rollout status for Deployments", () => {
    expect(readiness(dep({ replicas: 3 }, { observedGeneration: 1 }), "d")).toMatchObject({ done: false, message: "waiting for the controller to observe the new generation" });
    expect(readiness(dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 2 }), "d")).toMatchObject({ done: false, message: "1/3 replicas updated" });
    expect(readiness(dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 }), "d")).toMatchObject({ done: false, message: "1 old replicas pending termination" });
    expect(readiness(dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 }), "d")).toMatchObject({ done: false, message: "2/3 replicas available" });
    expect(readiness(dep({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }), "d")).toMatchObject({ done: true });
    const stuck = readiness(dep({ replicas: 1 }, { observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "web-1" has timed out progressing.' }] }), "Deployment web");
    expect(stuck.fail?.message).toBe('Deployment web will not become ready: rollout exceeded its progress deadline: ReplicaSet "web-1" has timed out progressing.');
  });

  it("knows StatefulSets, DaemonSets, Jobs, Pods, PVCs, CRDs and Ready conditions", () => {
    const sts = (status: object) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, ...status } });
    expect(readiness(sts({ readyReplicas: 2, currentRevision: "a", updateRevision: "b", updatedReplicas: 1 }), "s").done).toBe(false);
    expect(readiness(sts({ readyReplicas: 2, currentRevision: "b", updateRevision: "b" }), "s").done).toBe(true);
    const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "x" }, status: { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 } };
    expect(readiness(ds, "ds")).toMatchObject({ done: false, message: "2/3 pods available" });
    const job = (conditions: object[]) => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, status: { conditions } });
    expect(readiness(job([{ type: "Complete", status: "True" }]), "j").done).toBe(true);
    expect(readiness(job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }]), "Job j").fail?.message).toContain("the Job failed (BackoffLimitExceeded)");
    const pod = (status: object) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, status });
    expect(readiness(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] }), "p").done).toBe(true);
    expect(readiness(pod({ phase: "Pending", containerStatuses: [{ name: "main", state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope:1"' } } }] }), "Pod p").fail?.message).toBe('Pod p will not become ready: container main: ImagePullBackOff: Back-off pulling image "nope:1"');
    expect(readiness(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu." }] }), "Pod p").fail?.message).toContain("unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    expect(readiness({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "c" }, status: { phase: "Bound" } }, "c").done).toBe(true);
    expect(readiness({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "c" }, status: { conditions: [{ type: "Established", status: "True" }] } }, "c").done).toBe(true);
    expect(readiness({ apiVersion: "x/v1", kind: "Thing", metadata: { name: "t" }, status: { conditions: [{ type: "Ready", status: "False", reason: "Reconciling" }] } }, "t")).toMatchObject({ done: false, message: "Ready=False (Reconciling)" });
    expect(readiness({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, "c").done).toBe(true);
    expect(readiness(undefined, "c")).toMatchObject({ done: false, message: "not found yet" });
  });
});
