/**
 * DaemonSet controller: one pod per eligible node (Ready, schedulable, matching nodeSelector/affinity,
 * taints tolerated), pinned with a metadata.name node-affinity term as the real controller does,
 * rolling updates bounded by maxUnavailable, and the DaemonSet status counters `rollout status` reads.
 */

import type { KubeObject, StoreEvent } from "../store/types.js";
import type { Pod, Toleration, Workload } from "./k8s-types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { DAEMONSETS, NODES } from "./refs.js";
import { controllerOf, getCondition, intOrPercent, isDeleting, isPodReady, ReadyTracker } from "./objects.js";
import { createPod, deletePod, ownedPods } from "./pods.js";
import { ensureRevision, pruneRevisions } from "./revisions.js";
import { filterNode } from "./scheduler.js";
import { parseQuantity } from "./quantity.js";
import { scaledMs } from "../kubelet/timing.js";

const REVISION_LABEL = "controller-revision-hash";

const DAEMON_TOLERATIONS: Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

function withDaemonTolerations(tolerations: Toleration[] | undefined): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const t of DAEMON_TOLERATIONS) if (!out.some((o) => o.key === t.key && o.effect === t.effect)) out.push(t);
  return out;
}

function nodeOf(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms as { matchFields?: { key: string; values?: string[] }[] }[]) {
    const f = t.matchFields?.find((m) => m.key === "metadata.name");
    if (f?.values?.[0]) return f.values[0];
  }
  return undefined;
}

export class DaemonSetController extends Controller {
  readonly #ready = new ReadyTracker();

  constructor(ctx: ControllerContext) {
    super(ctx, "daemonset-controller");
  }

  protected override resync(): void {
    for (const d of this.ctx.store.list(DAEMONSETS)) this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`);
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "apps", "daemonsets")) this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    else if (isResource(e, "", "nodes")) this.resync();
    else if (isResource(e, "", "pods")) {
      const owner = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (owner?.kind === "DaemonSet") this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
    }
  }

  #eligible(ds: Workload, node: KubeObject): boolean {
    const ready = getCondition((node["status"] as { conditions?: [] } | undefined)?.conditions, "Ready")?.status === "True";
    if (!ready) return false;
    const probe: Pod = { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { ...structuredClone(ds.spec.template.spec), tolerations: withDaemonTolerations(ds.spec.template.spec.tolerations) } };
    // Resources are not checked here: a node always runs its daemon pods in this simulation.
    for (const c of probe.spec.containers) delete c.resources;
    const spec = (node["spec"] ?? {}) as { taints?: { key: string; value?: string; effect: string }[]; unschedulable?: boolean };
    const alloc: Record<string, number> = {};
    for (const [k, v] of Object.entries(((node["status"] as { allocatable?: Record<string, string> } | undefined)?.allocatable) ?? {})) alloc[k] = parseQuantity(v);
    const view = { name: node.metadata.name ?? "", labels: node.metadata.labels ?? {}, taints: spec.taints ?? [], unschedulable: spec.unschedulable === true, allocatable: alloc };
    return filterNode(probe, view, {}, 0).reasons.length === 0;
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const ds = this.ctx.store.get(DAEMONSETS, ns, name) as Workload | undefined;
    if (!ds || isDeleting(ds)) return;
    const { current: revision, all: revisions } = ensureRevision(this.ctx, ds);
    const nodes = this.ctx.store.list(NODES).filter((n) => this.#eligible(ds, n));
    const nodeNames = new Set(nodes.map((n) => n.metadata.name ?? ""));
    const pods = ownedPods(this.ctx, ds).filter((p) => !isDeleting(p));
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = nodeOf(p) ?? "";
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    // Remove pods on ineligible nodes, failed pods, and duplicates.
    for (const [node, list] of byNode) {
      const keep = nodeNames.has(node) ? list.filter((p) => p.status?.phase !== "Failed") : [];
      for (const p of list) if (!keep.includes(p) || keep.indexOf(p) > 0) deletePod(this.ctx, ds, p);
    }
    const generation = String(ds.metadata.generation ?? 1);
    for (const node of nodeNames) {
      const existing = (byNode.get(node) ?? []).filter((p) => p.status?.phase !== "Failed");
      if (existing.length > 0) continue;
      createPod(this.ctx, ds, ds.spec.template, {
        labels: { [REVISION_LABEL]: revision.hash, "pod-template-generation": generation },
        mutateSpec: (spec) => {
          spec.tolerations = withDaemonTolerations(spec.tolerations);
          spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] } as never] } } };
        },
      });
    }
    // Rolling update: replace old pods while at most maxUnavailable are unavailable.
    const minReadyMs = scaledMs(this.ctx.timing, ds.spec.minReadySeconds ?? 0);
    const current = ownedPods(this.ctx, ds).filter((p) => nodeNames.has(nodeOf(p) ?? ""));
    if ((ds.spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
      const maxUnavailable = Math.max(1, intOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, nodeNames.size, true, 1));
      let unavailable = [...nodeNames].filter((n) => !current.some((p) => nodeOf(p) === n && !isDeleting(p) && this.#ready.available(p, minReadyMs))).length;
      const old = current.filter((p) => !isDeleting(p) && p.metadata.labels?.[REVISION_LABEL] !== revision.hash).sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)));
      for (const p of old) {
        const wasAvailable = this.#ready.available(p, minReadyMs);
        if (wasAvailable && unavailable >= maxUnavailable) break;
        deletePod(this.ctx, ds, p);
        if (wasAvailable) unavailable++;
      }
    }
    this.#syncStatus(key, ds, nodeNames, revision.hash, minReadyMs);
    pruneRevisions(this.ctx, ds, revisions, new Set([revision.name]));
  }

  #syncStatus(key: string, ds: Workload, nodeNames: Set<string>, hash: string, minReadyMs: number): void {
    const pods = ownedPods(this.ctx, ds).filter((p) => !isDeleting(p) && p.status?.phase !== "Failed");
    const scheduled = pods.filter((p) => nodeNames.has(nodeOf(p) ?? ""));
    const waits = scheduled.map((p) => this.#ready.remaining(p, minReadyMs));
    const pending = waits.filter((w) => w > 0 && Number.isFinite(w));
    if (pending.length) this.queue.addAfter(key, Math.max(1, Math.min(...pending)));
    const available = waits.filter((w) => w === 0).length;
    const status: Record<string, unknown> = {
      currentNumberScheduled: new Set(scheduled.map((p) => nodeOf(p))).size,
      numberMisscheduled: pods.filter((p) => !nodeNames.has(nodeOf(p) ?? "")).length,
      desiredNumberScheduled: nodeNames.size,
      numberReady: scheduled.filter(isPodReady).length,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: scheduled.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash).length,
      numberAvailable: available,
      numberUnavailable: Math.max(0, nodeNames.size - available),
    };
    for (const k of ["numberAvailable", "numberUnavailable", "updatedNumberScheduled"]) if (status[k] === 0) delete status[k];
    const prev = (ds.status ?? {}) as Record<string, unknown>;
    if (JSON.stringify(status) === JSON.stringify(prev)) return;
    this.ctx.store.mutate(DAEMONSETS, ds.metadata.namespace, ds.metadata.name ?? "", (d) => {
      d["status"] = status;
    }, { subresource: "status" });
  }
}
