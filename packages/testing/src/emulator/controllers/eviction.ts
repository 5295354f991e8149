/** The Eviction API (`POST pods/{name}/eviction`): PodDisruptionBudget check, DisruptionTarget condition, graceful delete. */

import type { KubeStatus } from "../kubelet/types.js";
import type { Pod } from "./k8s-types.js";
import { listIfServed, type ControllerContext } from "./controller.js";
import { PDBS, PODS } from "./refs.js";
import { intOrPercent, isDeleting, isPodReady, setCondition } from "./objects.js";
import { matchesSelector, type LabelSelector } from "./selectors.js";
import { failure, podNotFound, success } from "../kubelet/errors.js";
import { rfc3339 } from "../kubelet/clock.js";

export function evictPod(ctx: ControllerContext, namespace: string, name: string, options: { gracePeriodSeconds?: number; dryRun?: boolean } = {}): KubeStatus {
  const store = ctx.store;
  const pod = store.get(PODS, namespace, name) as Pod | undefined;
  if (!pod) throw podNotFound(name);
  const done = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
  if (!done && !isDeleting(pod)) {
    const pdbs = (listIfServed(store, PDBS, namespace) ?? []).filter((b) => matchesSelector((b["spec"] as { selector?: LabelSelector } | undefined)?.selector, pod.metadata.labels));
    if (pdbs.length > 1) throw failure(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    const pdb = pdbs[0];
    if (pdb && isPodReady(pod)) {
      const spec = (pdb["spec"] ?? {}) as { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
      const matching = (store.list(PODS, namespace) as Pod[]).filter((p) => matchesSelector(spec.selector, p.metadata.labels) && !isDeleting(p) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
      const healthy = matching.filter(isPodReady).length;
      const expected = matching.length;
      const desiredHealthy = spec.minAvailable !== undefined ? intOrPercent(spec.minAvailable, expected, true, 0) : expected - intOrPercent(spec.maxUnavailable, expected, true, 0);
      if (healthy - desiredHealthy <= 0) {
        throw failure(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: "DisruptionBudget", message: `The disruption budget ${pdb.metadata.name} needs ${desiredHealthy} healthy pods and has ${healthy} currently` }],
        });
      }
    }
  }
  if (options.dryRun) return { ...success(), code: 201 };
  if (!done && !isDeleting(pod)) {
    const now = rfc3339(ctx.clock.now());
    store.mutate(PODS, namespace, name, (d) => {
      const status = (d["status"] ??= {}) as NonNullable<Pod["status"]>;
      status.conditions = setCondition(status.conditions ?? [], { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }, now);
    }, { subresource: "status" });
  }
  store.delete(PODS, namespace, name, options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {});
  return { ...success(), code: 201 };
}
