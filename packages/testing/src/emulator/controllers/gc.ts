/**
 * Garbage collector: deletes dependents whose owners are gone (Background), deletes dependents of
 * owners in foreground deletion and removes `foregroundDeletion` once no blocking dependent remains,
 * and orphans dependents of owners carrying the `orphan` finalizer. It indexes ownerReferences from
 * the store's event stream.
 */

import type { KubeObject, ResourceRef, StoreEvent } from "../store/types.js";
import { Controller, listIfServed, type ControllerContext } from "./controller.js";
import { CONFIGMAPS, CONTROLLERREVISIONS, CRONJOBS, DAEMONSETS, DEPLOYMENTS, JOBS, PODS, PVCS, REPLICASETS, refForKind, SECRETS, STATEFULSETS } from "./refs.js";
import { statusCodeOf } from "../kubelet/errors.js";

interface ObjRef {
  ref: ResourceRef;
  namespace: string | undefined;
  name: string;
  uid: string;
}

const CLUSTER_KINDS = new Set(["Node", "Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass", "PriorityClass", "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CSIDriver", "RuntimeClass", "IngressClass"]);

function encode(o: ObjRef): string {
  return JSON.stringify([o.ref.group, o.ref.version, o.ref.resource, o.namespace ?? "", o.name, o.uid]);
}

function decode(key: string): ObjRef {
  const [group, version, resource, ns, name, uid] = JSON.parse(key) as string[];
  return { ref: { group: group ?? "", version: version ?? "", resource: resource ?? "" }, namespace: ns || undefined, name: name ?? "", uid: uid ?? "" };
}

export class GarbageCollector extends Controller {
  /** owner uid → dependents */
  readonly #dependents = new Map<string, Map<string, ObjRef>>();
  /** dependent key → owner uids it is indexed under */
  readonly #ownersOf = new Map<string, string[]>();
  /** uid → key of objects waiting for GC work on their own deletion (foreground/orphan) */
  readonly #deleting = new Map<string, string>();

  constructor(ctx: ControllerContext) {
    super(ctx, "garbage-collector");
  }

  protected override resync(): void {
    // Index what already exists (fixtures loaded before start); later objects arrive as events.
    for (const ref of [PODS, REPLICASETS, DEPLOYMENTS, STATEFULSETS, DAEMONSETS, JOBS, CRONJOBS, CONTROLLERREVISIONS, CONFIGMAPS, SECRETS, PVCS]) {
      for (const obj of listIfServed(this.ctx.store, ref) ?? []) this.onEvent({ type: "ADDED", resource: ref, object: obj });
    }
  }

  protected override onEvent(e: StoreEvent): void {
    const obj = e.object;
    const self: ObjRef = { ref: e.resource, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "", uid: obj.metadata.uid ?? "" };
    const key = encode(self);
    this.#unindex(key);
    if (e.type === "DELETED") {
      this.#deleting.delete(self.uid);
      for (const dep of this.#dependents.get(self.uid)?.keys() ?? []) this.queue.add(`d${dep}`);
      for (const owner of obj.metadata.ownerReferences ?? []) {
        const ownerKey = this.#deleting.get(owner.uid);
        if (ownerKey) this.queue.add(`o${ownerKey}`);
      }
      return;
    }
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length) {
      this.#ownersOf.set(key, owners.map((o) => o.uid));
      for (const o of owners) {
        let deps = this.#dependents.get(o.uid);
        if (!deps) this.#dependents.set(o.uid, (deps = new Map()));
        deps.set(key, self);
        const ownerKey = this.#deleting.get(o.uid);
        if (ownerKey) this.queue.add(`o${ownerKey}`);
      }
      // Ownership is re-checked only when it can have changed: new object or edited references.
      const before = e.old?.metadata.ownerReferences ?? [];
      if (e.type === "ADDED" || JSON.stringify(before) !== JSON.stringify(owners)) this.queue.add(`d${key}`);
    }
    const fins = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && (fins.includes("foregroundDeletion") || fins.includes("orphan"))) {
      this.#deleting.set(self.uid, key);
      this.queue.add(`o${key}`);
    }
  }

  #unindex(key: string): void {
    for (const uid of this.#ownersOf.get(key) ?? []) {
      const deps = this.#dependents.get(uid);
      deps?.delete(key);
      if (deps?.size === 0) this.#dependents.delete(uid);
    }
    this.#ownersOf.delete(key);
  }

  protected override reconcile(item: string): void {
    const target = decode(item.slice(1));
    if (item[0] === "d") this.#attemptToDelete(target);
    else this.#processDeletingOwner(target);
  }

  #get(o: ObjRef): KubeObject | undefined {
    const obj = this.ctx.store.get(o.ref, o.namespace, o.name);
    return obj && obj.metadata.uid === o.uid ? obj : undefined;
  }

  #owner(dependent: KubeObject, ref: { apiVersion: string; kind: string; name: string; uid: string }): KubeObject | undefined {
    const r = refForKind(ref.apiVersion, ref.kind);
    const ns = CLUSTER_KINDS.has(ref.kind) ? undefined : dependent.metadata.namespace;
    try {
      const obj = this.ctx.store.get(r, ns, ref.name);
      return obj && obj.metadata.uid === ref.uid ? obj : undefined;
    } catch {
      return undefined;
    }
  }

  #attemptToDelete(dep: ObjRef): void {
    const obj = this.#get(dep);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const solid: string[] = [];
    const dangling: string[] = [];
    const waiting: string[] = [];
    for (const r of refs) {
      const owner = this.#owner(obj, r);
      if (!owner) dangling.push(r.uid);
      else if (owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes("foregroundDeletion")) waiting.push(r.uid);
      else solid.push(r.uid);
    }
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Still owned by a live object: only drop the references to owners that are gone or going.
      const drop = new Set([...dangling, ...waiting]);
      this.ctx.store.mutate(dep.ref, dep.namespace, dep.name, (d) => {
        d.metadata.ownerReferences = (d.metadata.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
      });
      return;
    }
    const policy = waiting.length > 0 ? "Foreground" : "Background";
    try {
      this.ctx.store.delete(dep.ref, dep.namespace, dep.name, { propagationPolicy: policy });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  #processDeletingOwner(o: ObjRef): void {
    const obj = this.#get(o);
    if (!obj || !obj.metadata.deletionTimestamp) {
      this.#deleting.delete(o.uid);
      return;
    }
    const fins = obj.metadata.finalizers ?? [];
    const deps = [...(this.#dependents.get(o.uid)?.values() ?? [])];
    if (fins.includes("orphan")) {
      for (const d of deps) {
        if (!this.#get(d)) continue;
        this.ctx.store.mutate(d.ref, d.namespace, d.name, (draft) => {
          draft.metadata.ownerReferences = (draft.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.uid);
          if (draft.metadata.ownerReferences.length === 0) delete draft.metadata.ownerReferences;
        });
      }
      this.#removeFinalizer(o, "orphan");
      return;
    }
    if (fins.includes("foregroundDeletion")) {
      let blocking = 0;
      for (const d of deps) {
        const dep = this.#get(d);
        if (!dep) continue;
        const ref = (dep.metadata.ownerReferences ?? []).find((r) => r.uid === o.uid);
        if (!ref) continue;
        if (ref.blockOwnerDeletion) blocking++;
        if (!dep.metadata.deletionTimestamp) this.#attemptToDelete(d);
      }
      if (blocking === 0) this.#removeFinalizer(o, "foregroundDeletion");
    }
  }

  #removeFinalizer(o: ObjRef, finalizer: string): void {
    try {
      this.ctx.store.mutate(o.ref, o.namespace, o.name, (d) => {
        d.metadata.finalizers = (d.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }
}
