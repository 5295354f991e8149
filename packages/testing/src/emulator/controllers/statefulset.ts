/**
 * StatefulSet controller: stable pod names `<sts>-<ordinal>`, PVCs from volumeClaimTemplates,
 * OrderedReady (one at a time, in order) or Parallel management, ControllerRevisions with
 * currentRevision/updateRevision, and RollingUpdate in reverse ordinal order down to the partition.
 */

import type { KubeObject, StoreEvent } from "../store/types.js";
import type { Pod, Workload } from "./k8s-types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { PVCS, STATEFULSETS } from "./refs.js";
import { controllerOf, controllerRef, isDeleting, isPodReady, ReadyTracker } from "./objects.js";
import { createPod, deletePod, ownedPods } from "./pods.js";
import { ensureRevision, pruneRevisions } from "./revisions.js";
import { scaledMs } from "../kubelet/timing.js";
import { statusCodeOf } from "../kubelet/errors.js";

const REVISION_LABEL = "controller-revision-hash";

function ordinalOf(sts: Workload, pod: Pod): number | undefined {
  const prefix = `${sts.metadata.name}-`;
  const name = pod.metadata.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const n = Number(name.slice(prefix.length));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

function healthy(pod: Pod): boolean {
  return pod.status?.phase === "Running" && isPodReady(pod) && !isDeleting(pod);
}

export class StatefulSetController extends Controller {
  readonly #ready = new ReadyTracker();

  constructor(ctx: ControllerContext) {
    super(ctx, "statefulset-controller");
  }

  protected override resync(): void {
    for (const s of this.ctx.store.list(STATEFULSETS)) this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "apps", "statefulsets")) this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    else if (isResource(e, "", "pods")) {
      const owner = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (owner?.kind === "StatefulSet") this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
    }
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const sts = this.ctx.store.get(STATEFULSETS, ns, name) as Workload | undefined;
    if (!sts || isDeleting(sts)) return;
    const { current: update, all: revisions } = ensureRevision(this.ctx, sts);
    const replicas = sts.spec.replicas ?? 1;
    const start = sts.spec.ordinals?.start ?? 0;
    const parallel = sts.spec.podManagementPolicy === "Parallel";
    const pods = ownedPods(this.ctx, sts);
    const byOrdinal = new Map<number, Pod>();
    for (const p of pods) {
      const o = ordinalOf(sts, p);
      if (o !== undefined) byOrdinal.set(o, p);
    }

    let blocked = false;
    // Failed or finished pods are replaced.
    for (const p of pods) {
      const phase = p.status?.phase;
      if ((phase === "Failed" || phase === "Succeeded") && !isDeleting(p)) {
        deletePod(this.ctx, sts, p);
        blocked ||= !parallel;
      }
    }
    // Create missing ordinals in order; OrderedReady waits for each predecessor to be Running and Ready.
    for (let o = start; o < start + replicas && !blocked; o++) {
      const p = byOrdinal.get(o);
      if (!p) {
        this.#createPod(sts, o, update.name);
        if (!parallel) blocked = true;
      } else if (!parallel && !healthy(p)) blocked = true;
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    const extra = [...byOrdinal.entries()].filter(([o]) => o < start || o >= start + replicas).sort(([a], [b]) => b - a);
    if (!blocked || parallel) {
      for (const [, p] of extra) {
        if (isDeleting(p)) {
          if (!parallel) break;
          continue;
        }
        deletePod(this.ctx, sts, p);
        if (!parallel) break;
      }
    }
    // Rolling update: highest ordinal first, down to the partition, once everything is healthy.
    const strategy = sts.spec.updateStrategy?.type ?? "RollingUpdate";
    if (strategy === "RollingUpdate" && !blocked && extra.length === 0) {
      const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
      const inRange = [...byOrdinal.entries()].filter(([o]) => o >= start && o < start + replicas).sort(([a], [b]) => b - a);
      const allHealthy = inRange.length === replicas && inRange.every(([, p]) => healthy(p));
      if (allHealthy || parallel) {
        for (const [o, p] of inRange) {
          if (o - start < partition) break;
          if (p.metadata.labels?.[REVISION_LABEL] !== update.name && !isDeleting(p)) {
            deletePod(this.ctx, sts, p);
            break;
          }
          if (isDeleting(p)) break;
        }
      }
    }
    this.#syncStatus(key, sts, update.name, revisions);
  }

  #createPod(sts: Workload, ordinal: number, revision: string): void {
    const podName = `${sts.metadata.name}-${ordinal}`;
    const claims: { name: string; claim: string }[] = [];
    for (const t of sts.spec.volumeClaimTemplates ?? []) {
      const claim = `${t.metadata.name}-${podName}`;
      claims.push({ name: t.metadata.name ?? "", claim });
      this.#ensureClaim(sts, t, claim);
    }
    createPod(this.ctx, sts, sts.spec.template, {
      name: podName,
      labels: { [REVISION_LABEL]: revision, "statefulset.kubernetes.io/pod-name": podName, "apps.kubernetes.io/pod-index": String(ordinal) },
      mutateSpec: (spec) => {
        spec.hostname = podName;
        if (sts.spec.serviceName) spec.subdomain = sts.spec.serviceName;
        const volumes = (spec.volumes ?? []).filter((v) => !claims.some((c) => c.name === v.name));
        for (const c of claims) volumes.push({ name: c.name, persistentVolumeClaim: { claimName: c.claim } });
        if (volumes.length) spec.volumes = volumes;
      },
    });
  }

  #ensureClaim(sts: Workload, template: KubeObject, name: string): void {
    const ns = sts.metadata.namespace;
    if (this.ctx.store.get(PVCS, ns, name)) return;
    const policy = (sts.spec["persistentVolumeClaimRetentionPolicy"] ?? {}) as { whenDeleted?: string };
    const metadata: KubeObject["metadata"] = { name, namespace: ns, labels: { ...(sts.spec.selector?.matchLabels ?? {}), ...(template.metadata.labels ?? {}) } };
    if (policy.whenDeleted === "Delete") metadata.ownerReferences = [{ ...controllerRef(sts), controller: true }];
    try {
      const created = this.ctx.store.create(PVCS, { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata, spec: structuredClone(template["spec"] ?? {}) });
      // No volume provisioner runs here: claims are bound at once.
      const spec = (template["spec"] ?? {}) as { accessModes?: string[]; resources?: { requests?: Record<string, string> } };
      this.ctx.store.update(PVCS, { ...created, status: { phase: "Bound", accessModes: spec.accessModes ?? ["ReadWriteOnce"], capacity: spec.resources?.requests ?? {} } }, { subresource: "status" });
      this.ctx.events.record(sts, "Normal", "SuccessfulCreate", `create Claim ${name} Pod ${name.slice((template.metadata.name ?? "").length + 1)} in StatefulSet ${sts.metadata.name} success`, { component: "statefulset-controller" });
    } catch (err) {
      if (statusCodeOf(err) !== 409) throw err;
    }
  }

  #syncStatus(key: string, sts: Workload, updateRevision: string, revisions: KubeObject[]): void {
    const pods = ownedPods(this.ctx, sts).filter((p) => ordinalOf(sts, p) !== undefined);
    const prev = (sts.status ?? {}) as Record<string, unknown>;
    const minReadyMs = scaledMs(this.ctx.timing, sts.spec.minReadySeconds ?? 0);
    const live = pods.filter((p) => !isDeleting(p) && p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded");
    const waits = live.map((p) => this.#ready.remaining(p, minReadyMs));
    const pending = waits.filter((w) => w > 0 && Number.isFinite(w));
    if (pending.length) this.queue.addAfter(key, Math.max(1, Math.min(...pending)));
    const replicas = sts.spec.replicas ?? 1;
    const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === updateRevision).length;
    const ready = live.filter(isPodReady).length;
    let currentRevision = (prev["currentRevision"] as string | undefined) ?? updateRevision;
    if (updated === replicas && live.length === replicas && ready === replicas) currentRevision = updateRevision;
    const current = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length;
    const status: Record<string, unknown> = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: live.length,
      readyReplicas: ready,
      currentReplicas: current,
      updatedReplicas: updated,
      availableReplicas: waits.filter((w) => w === 0).length,
      currentRevision,
      updateRevision,
      collisionCount: 0,
    };
    for (const k of ["readyReplicas", "currentReplicas", "updatedReplicas"]) if (status[k] === 0) delete status[k];
    if (JSON.stringify(status) !== JSON.stringify(prev)) {
      this.ctx.store.mutate(STATEFULSETS, sts.metadata.namespace, sts.metadata.name ?? "", (d) => {
        d["status"] = status;
      }, { subresource: "status" });
    }
    pruneRevisions(this.ctx, sts, revisions, new Set([updateRevision, currentRevision, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL] ?? "")]));
  }
}
