/**
 * What "ready" means per kind, following kubectl's rollout status logic: a Deployment is ready
 * when the controller saw the latest generation and updated = available = desired replicas; a
 * StatefulSet when ready replicas match and the current revision is the update revision; a Job
 * when Complete (Failed fails); a Pod when Ready; a PVC when Bound; a CRD when Established;
 * anything else with a Ready condition when it is True, otherwise when it exists. A rollout whose
 * pods cannot start (image pull errors, crash loops, unschedulable) fails early with their reasons.
 */
import { CapstanError } from "@capstan/core";
import type { KubeObject } from "../objects.js";
import type { Verdict } from "./watch.js";

type Obj = KubeObject & { spec?: any; status?: any };
type Condition = { type: string; status: string; reason?: string; message?: string };

/** Reasons a container will not get better by waiting. */
const STUCK = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

export function notReadyError(what: string, reason: string): CapstanError {
  return new CapstanError("CAPSTAN_K8S_NOT_READY", `${what} will not become ready: ${reason}`, {
    hint: "fix the cause above (image name, registry credentials, resources, node selectors), then run again",
    retryable: false,
  });
}

export function readiness(obj: Obj | undefined, what: string): Verdict {
  if (!obj) return { done: false, message: "not found yet" };
  const spec = obj.spec ?? {};
  const status = obj.status ?? {};
  const conditions: Condition[] = Array.isArray(status.conditions) ? status.conditions : [];
  const cond = (t: string) => conditions.find((c) => c.type === t);
  const observed = status.observedGeneration === undefined || (obj.metadata.generation ?? 0) <= status.observedGeneration;
  switch (obj.kind) {
    case "Deployment": {
      if (!observed) return { done: false, message: "waiting for the controller to observe the new generation" };
      const progressing = cond("Progressing");
      if (progressing?.reason === "ProgressDeadlineExceeded") return { done: false, fail: notReadyError(what, `rollout exceeded its progress deadline: ${progressing.message ?? ""}`.trim()) };
      const desired = spec.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      const available = status.availableReplicas ?? 0;
      const total = status.replicas ?? 0;
      if (updated < desired) return { done: false, message: `${updated}/${desired} replicas updated` };
      if (total > updated) return { done: false, message: `${total - updated} old replicas pending termination` };
      if (available < updated) return { done: false, message: `${available}/${desired} replicas available` };
      return { done: true, message: `${available}/${desired} replicas available` };
    }
    case "StatefulSet": {
      if (!observed) return { done: false, message: "waiting for the controller to observe the new generation" };
      const desired = spec.replicas ?? 1;
      const ready = status.readyReplicas ?? 0;
      if (ready < desired) return { done: false, message: `${ready}/${desired} replicas ready` };
      if ((spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
        const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
        if (partition === 0 && status.updateRevision && status.currentRevision !== status.updateRevision) return { done: false, message: `${status.updatedReplicas ?? 0}/${desired} replicas at the new revision` };
      }
      return { done: true, message: `${ready}/${desired} replicas ready` };
    }
    case "DaemonSet": {
      if (!observed) return { done: false, message: "waiting for the controller to observe the new generation" };
      const desired = status.desiredNumberScheduled ?? 0;
      const updated = status.updatedNumberScheduled ?? 0;
      const available = status.numberAvailable ?? 0;
      if (updated < desired) return { done: false, message: `${updated}/${desired} pods updated` };
      if (available < desired) return { done: false, message: `${available}/${desired} pods available` };
      return { done: true, message: `${available}/${desired} pods available` };
    }
    case "Job": {
      const failed = cond("Failed");
      if (failed?.status === "True") return { done: false, fail: notReadyError(what, `the Job failed (${failed.reason ?? "Failed"}): ${failed.message ?? ""}`.trim()) };
      if (cond("Complete")?.status === "True") return { done: true, message: `complete (${status.succeeded ?? 0} succeeded)` };
      return { done: false, message: `${status.succeeded ?? 0}/${spec.completions ?? 1} completions, ${status.active ?? 0} active` };
    }
    case "Pod": {
      const stuck = podProblem(obj);
      if (stuck) return { done: false, fail: notReadyError(what, stuck) };
      if (status.phase === "Failed") return { done: false, fail: notReadyError(what, `the pod failed${status.reason ? ` (${status.reason})` : ""}${status.message ? `: ${status.message}` : ""}`) };
      if (status.phase === "Succeeded") return { done: true, message: "succeeded" };
      if (cond("Ready")?.status === "True") return { done: true, message: "ready" };
      return { done: false, message: `phase ${status.phase ?? "Pending"}` };
    }
    case "PersistentVolumeClaim":
      return status.phase === "Bound" ? { done: true, message: "bound" } : { done: false, message: `phase ${status.phase ?? "Pending"}` };
    case "CustomResourceDefinition":
      return cond("Established")?.status === "True" ? { done: true, message: "established" } : { done: false, message: "not established yet" };
    case "Namespace":
      return status.phase === undefined || status.phase === "Active" ? { done: true, message: "active" } : { done: false, message: `phase ${status.phase}` };
    default: {
      const ready = cond("Ready");
      if (!ready) return { done: true, message: "exists" };
      return ready.status === "True" ? { done: true, message: "ready" } : { done: false, message: `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ""}${ready.message ? `: ${ready.message}` : ""}` };
    }
  }
}

/** Why a pod cannot start or keep running, if waiting will not help; undefined otherwise. */
export function podProblem(pod: Obj): string | undefined {
  const status = pod.status ?? {};
  const scheduled = (status.conditions as Condition[] | undefined)?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") return `unschedulable: ${scheduled.message ?? "no node fits"}`;
  for (const cs of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])] as { name: string; state?: { waiting?: { reason?: string; message?: string } } }[]) {
    const w = cs.state?.waiting;
    if (w?.reason && STUCK.has(w.reason)) return `container ${cs.name}: ${w.reason}${w.message ? `: ${w.message}` : ""}`;
  }
  return undefined;
}
