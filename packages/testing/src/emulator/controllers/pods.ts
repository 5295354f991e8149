/** Creating pods from templates and ranking pods for deletion, shared by the workload controllers. */

import type { KubeObject } from "../store/types.js";
import type { Pod, PodTemplate } from "./k8s-types.js";
import type { ControllerContext } from "./controller.js";
import { PODS } from "./refs.js";
import { clone, controllerRef, getCondition, isControlledBy, isPodReady } from "./objects.js";

export interface PodOverrides {
  name?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  mutateSpec?: (spec: Pod["spec"]) => void;
}

/** Creates a pod from `template` controlled by `owner` and records SuccessfulCreate (or FailedCreate). */
export function createPod(ctx: ControllerContext, owner: KubeObject, template: PodTemplate, o: PodOverrides): Pod | undefined {
  const meta = clone(template.metadata ?? {});
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...(o.labels ?? {}) },
      ownerReferences: [controllerRef(owner)],
    },
    spec: clone(template.spec),
  };
  if (o.name) pod.metadata.name = o.name;
  else pod.metadata.generateName = o.generateName ?? `${owner.metadata.name}-`;
  const annotations = { ...(meta.annotations ?? {}), ...(o.annotations ?? {}) };
  if (Object.keys(annotations).length) pod.metadata.annotations = annotations;
  if (meta.finalizers) pod.metadata.finalizers = meta.finalizers;
  o.mutateSpec?.(pod.spec);
  try {
    const created = ctx.store.create(PODS, pod) as Pod;
    ctx.events.record(owner, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`, { component: controllerComponent(owner.kind) });
    return created;
  } catch (err) {
    ctx.events.record(owner, "Warning", "FailedCreate", `Error creating: ${err instanceof Error ? err.message : String(err)}`, { component: controllerComponent(owner.kind) });
    throw err;
  }
}

export function deletePod(ctx: ControllerContext, owner: KubeObject, pod: Pod): void {
  try {
    ctx.store.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? "");
    ctx.events.record(owner, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`, { component: controllerComponent(owner.kind) });
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
}

export function controllerComponent(kind: string): string {
  switch (kind) {
    case "ReplicaSet":
      return "replicaset-controller";
    case "Deployment":
      return "deployment-controller";
    case "StatefulSet":
      return "statefulset-controller";
    case "DaemonSet":
      return "daemonset-controller";
    case "Job":
      return "job-controller";
    case "CronJob":
      return "cronjob-controller";
    default:
      return "controller-manager";
  }
}

/** Pods controlled by `owner` (read-only cached objects). */
export function ownedPods(ctx: ControllerContext, owner: KubeObject): Pod[] {
  return ctx.pods.owned(owner.metadata.uid ?? "").filter((p) => p.metadata.namespace === owner.metadata.namespace && isControlledBy(p, owner));
}

/** Order for scale-down, as ActivePods sorting: unassigned, pending, not ready, recently ready, more restarts, newer first. */
export function deletionRank(a: Pod, b: Pod): number {
  const assigned = (p: Pod): number => (p.spec.nodeName ? 1 : 0);
  const ranks: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
  const phase = (p: Pod): number => ranks[p.status?.phase ?? "Pending"] ?? 0;
  const ready = (p: Pod): number => (isPodReady(p) ? 1 : 0);
  const restarts = (p: Pod): number => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount));
  const readySince = (p: Pod): string => getCondition(p.status?.conditions, "Ready")?.lastTransitionTime ?? "";
  const created = (p: Pod): string => p.metadata.creationTimestamp ?? "";
  return (
    assigned(a) - assigned(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    (readySince(b) < readySince(a) ? -1 : readySince(b) > readySince(a) ? 1 : 0) ||
    restarts(b) - restarts(a) ||
    (created(b) < created(a) ? -1 : created(b) > created(a) ? 1 : 0)
  );
}
