/**
 * Deployment controller: one ReplicaSet per pod template (named `<deploy>-<pod-template-hash>`), rolling
 * updates bounded by maxSurge/maxUnavailable (or Recreate), revision annotations, history cleanup, and
 * status with Available/Progressing conditions as kube-controller-manager writes them, so
 * `kubectl rollout status|restart|undo` and `kubectl wait --for=condition=Available` behave as on a cluster.
 */

import type { StoreEvent } from "../store/types.js";
import type { Condition, PodTemplate, Workload } from "./k8s-types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { DEPLOYMENTS, REPLICASETS } from "./refs.js";
import { canonicalJson, clone, controllerOf, controllerRef, getCondition, intOrPercent, isControlledBy, isDeleting, setCondition, templateHash } from "./objects.js";
import { rfc3339 } from "../kubelet/clock.js";
import { scaledMs } from "../kubelet/timing.js";
import { statusCodeOf } from "../kubelet/errors.js";

const REVISION = "deployment.kubernetes.io/revision";
const DESIRED = "deployment.kubernetes.io/desired-replicas";
const MAX = "deployment.kubernetes.io/max-replicas";
const HASH = "pod-template-hash";
const SKIP_ANNOTATIONS = new Set([REVISION, DESIRED, MAX, "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision-history"]);

function withoutHash(t: PodTemplate | undefined): string {
  const copy = clone(t ?? { spec: { containers: [] } });
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[HASH];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return canonicalJson(copy);
}

function revisionOf(rs: Workload): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;
}

function specReplicas(rs: Workload): number {
  return rs.spec.replicas ?? 0;
}

function statusNum(obj: Workload, field: string): number {
  return Number(obj.status?.[field] ?? 0) || 0;
}

export class DeploymentController extends Controller {
  /** Real-time ms of the last observed progress per deployment uid (for progressDeadlineSeconds). */
  readonly #progress = new Map<string, number>();

  constructor(ctx: ControllerContext) {
    super(ctx, "deployment-controller");
  }

  protected override resync(): void {
    for (const d of this.ctx.store.list(DEPLOYMENTS)) this.queue.add(`${d.metadata.namespace}/${d.metadata.name}`);
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "apps", "deployments")) this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    else if (isResource(e, "apps", "replicasets")) {
      const owner = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (owner?.kind === "Deployment") this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
    }
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const store = this.ctx.store;
    let d = store.get(DEPLOYMENTS, ns, name) as Workload | undefined;
    if (!d || isDeleting(d)) return;
    const all = (store.list(REPLICASETS, ns) as Workload[]).filter((rs) => isControlledBy(rs, d as Workload));
    const desired = d.spec.replicas ?? 1;
    let newRS = all.find((rs) => withoutHash(rs.spec.template) === withoutHash(d?.spec.template));
    const olds = all.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...olds.map(revisionOf));
    let created = false;

    if (!d.spec.paused || newRS) {
      const res = this.#ensureNewRS(d, newRS, olds, maxOldRevision, desired);
      newRS = res.rs;
      created = res.created;
      if (res.deployment) d = res.deployment;
    }

    if (!d.spec.paused && newRS) {
      if ((d.spec.strategy?.type ?? "RollingUpdate") === "Recreate") this.#recreate(d, newRS, olds, desired);
      else this.#rolling(d, newRS, olds, desired);
      this.#cleanup(d, olds);
    }
    this.#syncStatus(key, d, newRS, created);
  }

  #ensureNewRS(d: Workload, existing: Workload | undefined, olds: Workload[], maxOldRevision: number, desired: number): { rs: Workload | undefined; created: boolean; deployment?: Workload } {
    const store = this.ctx.store;
    const ns = d.metadata.namespace;
    const revision = String(maxOldRevision + 1);
    const maxSurge = intOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, desired, true, "25%");
    let rs = existing;
    let created = false;
    if (rs) {
      // A rollback to an older template makes that ReplicaSet the newest revision again.
      if (revisionOf(rs) <= maxOldRevision) {
        rs = store.mutate(REPLICASETS, ns, rs.metadata.name ?? "", (draft) => {
          draft.metadata.annotations = { ...(draft.metadata.annotations ?? {}), [REVISION]: revision };
        }) as Workload | undefined;
      }
    } else {
      let collision = Number(d.status?.["collisionCount"] ?? 0) || 0;
      for (let attempt = 0; attempt < 10 && !rs; attempt++) {
        const hash = templateHash(d.spec.template, collision);
        const template = clone(d.spec.template);
        template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH]: hash } };
        const annotations: Record<string, string> = {};
        for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_ANNOTATIONS.has(k)) annotations[k] = v;
        annotations[DESIRED] = String(desired);
        annotations[MAX] = String(desired + maxSurge);
        annotations[REVISION] = revision;
        const isRecreate = (d.spec.strategy?.type ?? "RollingUpdate") === "Recreate";
        const allCount = olds.reduce((n, r) => n + specReplicas(r), 0);
        const initial = isRecreate ? 0 : Math.max(0, Math.min(desired, desired + maxSurge - allCount));
        try {
          rs = store.create(REPLICASETS, {
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            metadata: {
              name: `${d.metadata.name}-${hash}`,
              namespace: ns,
              labels: { ...(d.spec.template.metadata?.labels ?? {}), [HASH]: hash },
              annotations,
              ownerReferences: [controllerRef(d)],
            },
            spec: {
              replicas: initial,
              minReadySeconds: d.spec.minReadySeconds ?? 0,
              selector: { ...(d.spec.selector ?? {}), matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), [HASH]: hash } },
              template,
            },
          }) as Workload;
          created = true;
          this.ctx.events.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${rs.metadata.name} from 0 to ${initial}`, { component: "deployment-controller" });
        } catch (err) {
          if (statusCodeOf(err) !== 409) throw err;
          collision++;
          store.mutate(DEPLOYMENTS, ns, d.metadata.name ?? "", (draft) => {
            draft["status"] = { ...((draft["status"] as object | undefined) ?? {}), collisionCount: collision };
          }, { subresource: "status" });
        }
      }
    }
    if (!rs) return { rs, created };
    // The Deployment carries the revision of its newest ReplicaSet.
    let deployment: Workload | undefined;
    const rev = rs.metadata.annotations?.[REVISION];
    if (rev && d.metadata.annotations?.[REVISION] !== rev) {
      deployment = store.mutate(DEPLOYMENTS, ns, d.metadata.name ?? "", (draft) => {
        draft.metadata.annotations = { ...(draft.metadata.annotations ?? {}), [REVISION]: rev };
      }) as Workload | undefined;
    }
    const res: { rs: Workload; created: boolean; deployment?: Workload } = { rs, created };
    if (deployment) res.deployment = deployment;
    return res;
  }

  #scale(d: Workload, rs: Workload, replicas: number): Workload {
    const from = specReplicas(rs);
    if (from === replicas) return rs;
    const desired = d.spec.replicas ?? 1;
    const maxSurge = intOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, desired, true, "25%");
    const updated = this.ctx.store.mutate(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? "", (draft) => {
      (draft as Workload).spec.replicas = replicas;
      draft.metadata.annotations = { ...(draft.metadata.annotations ?? {}), [DESIRED]: String(desired), [MAX]: String(desired + maxSurge) };
    }) as Workload | undefined;
    this.ctx.events.record(d, "Normal", "ScalingReplicaSet", `Scaled ${replicas > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${replicas}`, { component: "deployment-controller" });
    return updated ?? rs;
  }

  #rolling(d: Workload, newRS: Workload, olds: Workload[], desired: number): void {
    const maxSurge = intOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, desired, true, "25%");
    let maxUnavailable = intOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, desired, false, "25%");
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    // Scale the new ReplicaSet up within the surge budget (or down to desired).
    const total = (): number => specReplicas(newRS) + olds.reduce((n, r) => n + specReplicas(r), 0);
    if (specReplicas(newRS) > desired) newRS = this.#scale(d, newRS, desired);
    else if (specReplicas(newRS) < desired) {
      const room = desired + maxSurge - total();
      if (room > 0) newRS = this.#scale(d, newRS, specReplicas(newRS) + Math.min(room, desired - specReplicas(newRS)));
    }
    // Scale old ReplicaSets down as far as availability allows.
    const oldCount = olds.reduce((n, r) => n + specReplicas(r), 0);
    if (oldCount === 0) return;
    const minAvailable = desired - maxUnavailable;
    const newUnavailable = Math.max(0, specReplicas(newRS) - statusNum(newRS, "availableReplicas"));
    let budget = total() - minAvailable - newUnavailable;
    if (budget <= 0) return;
    const sorted = [...olds].sort((a, b) => revisionOf(a) - revisionOf(b));
    // First drop old pods that are not available anyway.
    for (let i = 0; i < sorted.length && budget > 0; i++) {
      const rs = sorted[i] as Workload;
      const unhealthy = specReplicas(rs) - statusNum(rs, "availableReplicas");
      if (unhealthy <= 0) continue;
      const down = Math.min(unhealthy, budget, specReplicas(rs));
      sorted[i] = this.#scale(d, rs, specReplicas(rs) - down);
      budget -= down;
    }
    const available = statusNum(newRS, "availableReplicas") + sorted.reduce((n, r) => n + Math.min(statusNum(r, "availableReplicas"), specReplicas(r)), 0);
    let scaleDown = Math.min(available - minAvailable, budget);
    for (let i = 0; i < sorted.length && scaleDown > 0; i++) {
      const rs = sorted[i] as Workload;
      const down = Math.min(specReplicas(rs), scaleDown);
      if (down <= 0) continue;
      sorted[i] = this.#scale(d, rs, specReplicas(rs) - down);
      scaleDown -= down;
    }
  }

  #recreate(d: Workload, newRS: Workload, olds: Workload[], desired: number): void {
    let oldPods = 0;
    for (const rs of olds) {
      if (specReplicas(rs) > 0) this.#scale(d, rs, 0);
      oldPods += statusNum(rs, "replicas");
    }
    if (oldPods === 0 && specReplicas(newRS) !== desired) this.#scale(d, newRS, desired);
  }

  #cleanup(d: Workload, olds: Workload[]): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const idle = olds.filter((rs) => specReplicas(rs) === 0 && statusNum(rs, "replicas") === 0 && !isDeleting(rs)).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.ctx.store.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? "");
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
    }
  }

  #syncStatus(key: string, d: Workload, newRS: Workload | undefined, created: boolean): void {
    const store = this.ctx.store;
    const fresh = (store.list(REPLICASETS, d.metadata.namespace) as Workload[]).filter((rs) => isControlledBy(rs, d));
    const rsNew = newRS ? fresh.find((rs) => rs.metadata.uid === newRS.metadata.uid) : undefined;
    const desired = d.spec.replicas ?? 1;
    const sum = (f: string): number => fresh.reduce((n, rs) => n + statusNum(rs, f), 0);
    const replicas = sum("replicas");
    const updated = rsNew ? statusNum(rsNew, "replicas") : 0;
    const ready = sum("readyReplicas");
    const available = sum("availableReplicas");
    const maxUnavailable = intOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, desired, false, "25%");
    const prev = (d.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
    const now = rfc3339(this.ctx.clock.now());
    const conditions = clone(prev.conditions ?? []);

    const minAvailable = (d.spec.strategy?.type ?? "RollingUpdate") === "Recreate" ? desired : desired - maxUnavailable;
    if (available >= minAvailable) setCondition(conditions, { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }, now, true);
    else setCondition(conditions, { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." }, now, true);

    const uid = d.metadata.uid ?? "";
    const rsName = rsNew?.metadata.name ?? "";
    const complete = rsNew !== undefined && updated === desired && replicas === desired && available === desired && specReplicas(rsNew) === desired;
    const progressed =
      updated > Number(prev["updatedReplicas"] ?? 0) ||
      ready > Number(prev["readyReplicas"] ?? 0) ||
      available > Number(prev["availableReplicas"] ?? 0) ||
      replicas < Number(prev["replicas"] ?? 0) ||
      Number(prev["observedGeneration"] ?? 0) < (d.metadata.generation ?? 1);
    const deadlineSeconds = d.spec.progressDeadlineSeconds ?? 600;
    const progressing = getCondition(conditions, "Progressing");
    if (d.spec.paused) {
      setCondition(conditions, { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }, now, true);
    } else if (created) {
      this.#progress.set(uid, Date.now());
      setCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetCreated", message: `Created new replica set "${rsName}"` }, now, true);
    } else if (complete) {
      this.#progress.delete(uid);
      setCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${rsName}" has successfully progressed.` }, now, true);
    } else if (rsNew && (progressed || !progressing || progressing.reason === "DeploymentPaused" || progressing.reason === "NewReplicaSetAvailable")) {
      this.#progress.set(uid, Date.now());
      const found = !progressing || progressing.reason === "DeploymentPaused";
      setCondition(conditions, { type: "Progressing", status: "True", reason: found ? "FoundNewReplicaSet" : "ReplicaSetUpdated", message: found ? `Found new replica set "${rsName}"` : `ReplicaSet "${rsName}" is progressing.` }, now, true);
    } else if (rsNew && progressing?.reason !== "ProgressDeadlineExceeded") {
      const since = this.#progress.get(uid) ?? Date.now();
      this.#progress.set(uid, since);
      const deadlineMs = scaledMs(this.ctx.timing, deadlineSeconds);
      const left = since + deadlineMs - Date.now();
      if (left <= 0) {
        setCondition(conditions, { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${rsName}" has timed out progressing.` }, now, true);
        this.ctx.events.record(d, "Warning", "ProgressDeadlineExceeded", `Deployment "${d.metadata.name}" has timed out progressing.`, { component: "deployment-controller" });
      } else this.queue.addAfter(key, Math.max(1, left));
    }
    if (!complete && !d.spec.paused && rsNew && getCondition(conditions, "Progressing")?.reason !== "ProgressDeadlineExceeded") {
      this.queue.addAfter(key, Math.max(1, scaledMs(this.ctx.timing, deadlineSeconds)));
    }
    const order = ["Available", "Progressing"];
    conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));

    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      conditions,
    };
    if (desired - available > 0) status["unavailableReplicas"] = desired - available;
    if (prev["collisionCount"] !== undefined) status["collisionCount"] = prev["collisionCount"];
    // The apiserver omits zero counts (omitempty); keep the same shape.
    for (const k of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"]) if (status[k] === 0) delete status[k];
    if (canonicalJson(status) === canonicalJson(prev)) return;
    store.mutate(DEPLOYMENTS, d.metadata.namespace, d.metadata.name ?? "", (draft) => {
      draft["status"] = status;
    }, { subresource: "status" });
  }
}
