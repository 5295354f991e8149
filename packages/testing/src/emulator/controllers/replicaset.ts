/** ReplicaSet controller: keeps `spec.replicas` active pods and reports replicas/ready/available counts. */

import type { StoreEvent } from "../store/types.js";
import type { Workload } from "./k8s-types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { REPLICASETS } from "./refs.js";
import { controllerOf, isDeleting, isPodActive, isPodReady, ReadyTracker } from "./objects.js";
import { matchesSelector } from "./selectors.js";
import { createPod, deletePod, deletionRank, ownedPods } from "./pods.js";
import { scaledMs } from "../kubelet/timing.js";

export class ReplicaSetController extends Controller {
  readonly #ready = new ReadyTracker();
  constructor(ctx: ControllerContext) {
    super(ctx, "replicaset-controller");
  }

  protected override resync(): void {
    for (const rs of this.ctx.store.list(REPLICASETS)) this.queue.add(`${rs.metadata.namespace}/${rs.metadata.name}`);
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "apps", "replicasets")) {
      this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    } else if (isResource(e, "", "pods")) {
      const owner = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (owner?.kind === "ReplicaSet") this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
    }
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const rs = this.ctx.store.get(REPLICASETS, ns, name) as Workload | undefined;
    if (!rs) return;
    const all = ownedPods(this.ctx, rs);
    const active = all.filter(isPodActive);
    const desired = rs.spec.replicas ?? 1;
    if (!isDeleting(rs)) {
      const diff = desired - active.length;
      if (diff > 0) {
        for (let i = 0; i < Math.min(diff, 500); i++) createPod(this.ctx, rs, rs.spec.template, {});
      } else if (diff < 0) {
        const victims = [...active].sort(deletionRank).slice(0, -diff);
        for (const p of victims) deletePod(this.ctx, rs, p);
      }
    }
    this.#syncStatus(rs, key);
  }

  #syncStatus(rs: Workload, key: string): void {
    const pods = ownedPods(this.ctx, rs).filter(isPodActive);
    const minReadyMs = scaledMs(this.ctx.timing, rs.spec.minReadySeconds ?? 0);
    const ready = pods.filter(isPodReady);
    const waits = pods.map((p) => this.#ready.remaining(p, minReadyMs));
    const available = pods.filter((_, i) => waits[i] === 0);
    const labels = rs.spec.template.metadata?.labels ?? {};
    const status: Record<string, unknown> = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => matchesSelector({ matchLabels: labels }, p.metadata.labels)).length,
      readyReplicas: ready.length,
      availableReplicas: available.length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    const pending = waits.filter((w) => w > 0 && Number.isFinite(w));
    // Pods wait out minReadySeconds: look again when the first of them becomes available.
    if (pending.length) this.queue.addAfter(key, Math.max(1, Math.min(...pending)));
    const prev = rs.status ?? {};
    const conditions = prev["conditions"];
    if (conditions) status["conditions"] = conditions;
    if (JSON.stringify(normalize(prev)) === JSON.stringify(normalize(status))) return;
    this.ctx.store.mutate(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? "", (d) => {
      d["status"] = status;
    }, { subresource: "status" });
  }
}

function normalize(status: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration", "conditions"]) {
    const v = status[k];
    if (v !== undefined && v !== 0) out[k] = v;
  }
  return out;
}
