/**
 * The emulated cluster's object store: every object of every resource, indexed by resource, then
 * namespace, then name; a cluster-wide monotonic resourceVersion; a bounded change history for watch
 * resumption; watch fan-out; CRD-driven resource registration and namespace lifecycle.
 *
 * Stored objects are never mutated after commit (each write stores a new object), so the HTTP layer
 * serializes them directly; the `ObjectStore` methods used by controllers return copies.
 */

import { randomUUID } from "node:crypto";
import { refOf, resourceKey, resourcesOfCrd, type ResourceInfo, type ResourceRegistry } from "../discovery/resources.js";
import type { Admission, FieldValidation, WriteOperation } from "./admission.js";
import { checkPreconditions, planDelete, shouldRemoveAfterUpdate, type DeleteRequest } from "./deletion.js";
import { alreadyExists, conflict, forbidden, invalid, notFound, OPTIMISTIC_LOCK, pathNotFound, StatusError } from "./errors.js";
import { History } from "./history.js";
import { clone, rfc3339 } from "./json.js";
import { bumpsGeneration, initialStatus, mergeMainUpdate, mergeStatusUpdate, sameContent, statusPhase } from "./prepare.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import type { DeleteOptions, KubeObject, ListOptions, ObjectStore, ResourceRef, StoreEvent } from "./types.js";
import { matches, WatchHub, type WatchFilter, type WatchType } from "./watch-hub.js";

export interface StoreOptions {
  registry: ResourceRegistry;
  admission: Admission;
  /** Changes kept for watch resumption (older resourceVersions get 410 Expired). */
  historySize?: number;
  now?: () => number;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Field manager recorded in managedFields for non-apply writes. */
  manager?: string;
  /** The caller (server-side apply) already computed managedFields. */
  managedFieldsSet?: boolean;
  fieldValidation?: FieldValidation;
  subresource?: "status";
  /** Subresource recorded in managedFields when it is not `subresource` (writes through `/scale`). */
  managedSubresource?: string;
  /** Request kind, for the wording of decode errors (default create/update). */
  operation?: WriteOperation;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export interface DeleteResult {
  object: KubeObject;
  /** The object is gone (otherwise it waits for finalizers or its grace period). */
  removed: boolean;
}

export interface ScanOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Start after this `namespace/name` key (continue tokens). */
  after?: string | undefined;
  limit?: number | undefined;
}

export interface ScanResult {
  items: KubeObject[];
  /** Key of the last item returned when more remain. */
  nextKey?: string;
  remaining?: number;
}

interface Bucket {
  byNs: Map<string, Map<string, KubeObject>>;
  /** Sorted `namespace/name` keys (etcd key order), rebuilt lazily after inserts/removals. */
  sorted: string[] | undefined;
  count: number;
}

const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const UNDELETABLE_NAMESPACES = new Set(["default", "kube-system", "kube-public"]);

function randomSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

function objKey(ns: string | undefined, name: string): string {
  return `${ns ?? ""}/${name}`;
}

export class ClusterStore implements ObjectStore {
  readonly registry: ResourceRegistry;
  readonly admission: Admission;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #hub = new WatchHub();
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #history: History;
  #rv = 1;

  constructor(options: StoreOptions) {
    this.registry = options.registry;
    this.admission = options.admission;
    this.#now = options.now ?? Date.now;
    this.#history = new History(options.historySize ?? 50_000, this.#rv);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.createObject(this.#info("", "namespaces"), { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, { manager: "kube-apiserver" });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads (stored references: callers must not mutate them)

  info(ref: ResourceRef): ResourceInfo {
    const info = this.registry.forRef(ref);
    if (!info) throw pathNotFound();
    return info;
  }

  currentRv(): number {
    return this.#rv;
  }

  peek(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#bucket(info).byNs.get(info.namespaced ? (namespace ?? "") : "")?.get(name);
  }

  count(info: ResourceInfo, namespace?: string): number {
    const b = this.#bucket(info);
    return namespace === undefined ? b.count : (b.byNs.get(namespace)?.size ?? 0);
  }

  scan(info: ResourceInfo, namespace: string | undefined, options: ScanOptions = {}): ScanResult {
    const label = parseLabelSelector(options.labelSelector);
    const field = parseFieldSelector(info.resource, options.fieldSelector);
    const ns = info.namespaced ? namespace : undefined;
    const b = this.#bucket(info);
    // metadata.name pinned (kubectl wait / rollout status): a direct lookup, no scan.
    if (field?.name !== undefined && ns !== undefined) {
      const obj = b.byNs.get(ns)?.get(field.name);
      const ok = obj !== undefined && matches({ label, field: field.match }, obj) && (options.after === undefined || objKey(ns, field.name) > options.after);
      return { items: ok ? [obj] : [] };
    }
    const keys = this.#sortedKeys(b, ns);
    let start = 0;
    if (options.after !== undefined) {
      const after = options.after;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((keys[mid] as string) <= after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: KubeObject[] = [];
    const filter: WatchFilter = { label, field: field?.match };
    for (let i = start; i < keys.length; i++) {
      const k = keys[i] as string;
      const slash = k.indexOf("/");
      const obj = b.byNs.get(k.slice(0, slash))?.get(k.slice(slash + 1));
      if (!obj || !matches(filter, obj)) continue;
      if (items.length === limit) {
        // Remaining count is what the apiserver reports in `remainingItemCount` (unfiltered lists).
        const result: ScanResult = { items, nextKey: objKey(items[items.length - 1]?.metadata.namespace, items[items.length - 1]?.metadata.name ?? "") };
        if (!label && !field) result.remaining = keys.length - i;
        return result;
      }
      items.push(obj);
    }
    return { items };
  }

  #sortedKeys(b: Bucket, ns: string | undefined): string[] {
    if (ns !== undefined) {
      const m = b.byNs.get(ns);
      if (!m) return [];
      if (b.byNs.size === 1) return (b.sorted ??= this.#allKeys(b));
      return [...m.keys()].sort().map((n) => `${ns}/${n}`);
    }
    return (b.sorted ??= this.#allKeys(b));
  }

  #allKeys(b: Bucket): string[] {
    const keys: string[] = [];
    for (const [ns, m] of b.byNs) for (const name of m.keys()) keys.push(`${ns}/${name}`);
    return keys.sort();
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  createObject(info: ResourceInfo, input: KubeObject, options: WriteOptions = {}): WriteResult {
    const metaIn = { ...(input.metadata ?? {}) };
    const ns = info.namespaced ? (metaIn.namespace ?? "default") : undefined;
    const b = this.#bucket(info);
    if (!metaIn.name && metaIn.generateName) {
      do metaIn.name = `${metaIn.generateName}${randomSuffix()}`;
      while (b.byNs.get(ns ?? "")?.has(metaIn.name));
    }
    const name = metaIn.name;
    if (!name) {
      throw invalid(info.group, info.kind, "", [{ field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name or generateName is required" }]);
    }
    if (ns !== undefined) this.#checkNamespaceOpen(info, ns, name);
    if (b.byNs.get(ns ?? "")?.has(name)) throw alreadyExists(info.group, info.resource, name);

    const meta: Record<string, unknown> = { ...metaIn, name, uid: randomUUID(), creationTimestamp: rfc3339(this.#now()) };
    if (ns !== undefined) meta["namespace"] = ns;
    else delete meta["namespace"];
    for (const f of ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"]) delete meta[f];
    if (info.generation) meta["generation"] = 1;
    else delete meta["generation"];
    if (info.group === "" && info.resource === "namespaces") meta["labels"] = { ...(metaIn.labels ?? {}), "kubernetes.io/metadata.name": name };
    const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...rest } = input;
    let obj: KubeObject = { apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind, metadata: meta as KubeObject["metadata"], ...rest };
    if (info.group === "" && info.resource === "namespaces") obj["spec"] = { finalizers: ["kubernetes"] };

    obj = this.admission.applyDefaults(info, obj);
    const validated = this.admission.validate(info, obj, options.fieldValidation ?? "Ignore", undefined, options.operation ?? "create");
    obj = validated.object;
    const status = initialStatus(info, obj);
    if (status === undefined) delete obj["status"];
    else obj["status"] = status;
    if (!options.managedFieldsSet) obj = this.admission.trackUpdate(info, undefined, obj, options.manager ?? "unknown", undefined);
    if (options.dryRun) return { object: obj, warnings: validated.warnings };
    this.#commit(info, "ADDED", obj, undefined);
    return { object: obj, warnings: validated.warnings };
  }

  updateObject(info: ResourceInfo, input: KubeObject, options: WriteOptions = {}): WriteResult {
    const name = input.metadata?.name ?? "";
    const ns = info.namespaced ? (input.metadata?.namespace ?? "default") : undefined;
    const old = this.peek(info, ns, name);
    if (!old) throw notFound(info.group, info.resource, name);
    const rv = input.metadata?.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) throw conflict(info.group, info.resource, name, OPTIMISTIC_LOCK);

    let next = options.subresource === "status" ? mergeStatusUpdate(old, input) : mergeMainUpdate(info, old, input);
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    next = this.admission.applyDefaults(info, next);
    const validated = this.admission.validate(info, next, options.fieldValidation ?? "Ignore", old, options.operation ?? "update", options.subresource);
    next = validated.object;
    if (!options.managedFieldsSet) next = this.admission.trackUpdate(info, old, next, options.manager ?? "unknown", options.managedSubresource ?? options.subresource);
    if (options.subresource !== "status" && bumpsGeneration(info, old, next)) next.metadata = { ...next.metadata, generation: (old.metadata.generation ?? 0) + 1 };
    if (sameContent(old, next)) return { object: old, warnings: validated.warnings };
    if (shouldRemoveAfterUpdate(next)) {
      if (!options.dryRun) this.#remove(info, next, old);
      return { object: next, warnings: validated.warnings };
    }
    if (options.dryRun) return { object: { ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } }, warnings: validated.warnings };
    this.#commit(info, "MODIFIED", next, old);
    return { object: next, warnings: validated.warnings };
  }

  deleteObject(info: ResourceInfo, namespace: string | undefined, name: string, req: DeleteRequest = {}): DeleteResult {
    const ns = info.namespaced ? (namespace ?? "default") : undefined;
    const old = this.peek(info, ns, name);
    if (!old) throw notFound(info.group, info.resource, name);
    checkPreconditions(info, old, req);
    if (info.group === "" && info.resource === "namespaces") return this.#deleteNamespace(info, old, req);
    const plan = planDelete(info, old, req, this.#now());
    if (plan.kind === "unchanged") return { object: old, removed: false };
    if (plan.kind === "keep") {
      if (!req.dryRun) this.#commit(info, "MODIFIED", plan.object, old);
      return { object: plan.object, removed: false };
    }
    if (req.dryRun) return { object: old, removed: true };
    return { object: this.#remove(info, old, old), removed: true };
  }

  // ---------------------------------------------------------------------------------------------
  // Watch

  /**
   * Starts a watch. `fromRv` undefined: only changes from now on; a number: changes after it (410
   * when older than the history). Returns the replayed backlog and a stop function.
   */
  watch(info: ResourceInfo, filter: WatchFilter, fromRv: number | undefined, send: (type: WatchType, obj: KubeObject) => void): { backlog: { type: WatchType; object: KubeObject }[]; stop: () => void } {
    const key = resourceKey(info.group, info.resource);
    const backlog: { type: WatchType; object: KubeObject }[] = [];
    if (fromRv !== undefined && fromRv < this.#rv) {
      const entries = this.#history.since(fromRv, key);
      if (!entries) throw new StatusError(410, "Expired", `too old resource version: ${fromRv} (${this.#history.floor})`);
      for (const e of entries) {
        const obj = e.object;
        const wasMatching = e.old ? matches(filter, e.old) : false;
        const isMatching = matches(filter, obj);
        if (e.type === "ADDED" && isMatching) backlog.push({ type: "ADDED", object: obj });
        else if (e.type === "DELETED" && (wasMatching || isMatching)) backlog.push({ type: "DELETED", object: obj });
        else if (e.type === "MODIFIED" && (isMatching || wasMatching)) backlog.push({ type: isMatching ? (wasMatching ? "MODIFIED" : "ADDED") : "DELETED", object: obj });
      }
    }
    const stop = this.#hub.add(key, { filter, send });
    return { backlog, stop };
  }

  /** Forgets the change history up to now: watches from older resourceVersions then get 410. */
  compact(): void {
    this.#history.compact(this.#rv);
  }

  watcherCount(): number {
    return this.#hub.count();
  }

  // ---------------------------------------------------------------------------------------------
  // ObjectStore (controllers and kubelet): copies in and out, no auth, no faults.

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.peek(this.info(ref), namespace, name);
    return obj ? clone(obj) : undefined;
  }

  list(ref: ResourceRef, namespace?: string, options?: ListOptions): KubeObject[] {
    return this.scan(this.info(ref), namespace, { labelSelector: options?.labelSelector, fieldSelector: options?.fieldSelector }).items.map(clone);
  }

  create(ref: ResourceRef, object: KubeObject): KubeObject {
    return clone(this.createObject(this.info(ref), clone(object), { manager: internalManager(ref, undefined) }).object);
  }

  update(ref: ResourceRef, object: KubeObject, options?: { subresource?: "status" }): KubeObject {
    const write: WriteOptions = { manager: internalManager(ref, options?.subresource) };
    if (options?.subresource) write.subresource = options.subresource;
    return clone(this.updateObject(this.info(ref), clone(object), write).object);
  }

  mutate(ref: ResourceRef, namespace: string | undefined, name: string, mutate: (draft: KubeObject) => void, options?: { subresource?: "status" }): KubeObject | undefined {
    const current = this.peek(this.info(ref), namespace, name);
    if (!current) return undefined;
    const draft = clone(current);
    mutate(draft);
    draft.metadata.resourceVersion = current.metadata.resourceVersion;
    return this.update(ref, draft, options);
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: DeleteOptions): KubeObject | undefined {
    const req: DeleteRequest = {};
    if (options?.gracePeriodSeconds !== undefined) req.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options?.propagationPolicy !== undefined) req.propagationPolicy = options.propagationPolicy;
    return clone(this.deleteObject(this.info(ref), namespace, name, req).object);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  resourceVersion(): string {
    return String(this.#rv);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  #info(group: string, resource: string): ResourceInfo {
    const info = this.registry.all().find((r) => r.group === group && r.resource === resource);
    if (!info) throw pathNotFound();
    return info;
  }

  #bucket(info: ResourceInfo): Bucket {
    const key = resourceKey(info.group, info.resource);
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = { byNs: new Map(), sorted: undefined, count: 0 }));
    return b;
  }

  #checkNamespaceOpen(info: ResourceInfo, ns: string, name: string): void {
    const nsObj = this.#bucket(this.#info("", "namespaces")).byNs.get("")?.get(ns);
    if (!nsObj) throw notFound("", "namespaces", ns);
    if (nsObj.metadata.deletionTimestamp) {
      throw forbidden(info.group, info.resource, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  #commit(info: ResourceInfo, type: "ADDED" | "MODIFIED", obj: KubeObject, old: KubeObject | undefined): void {
    const rv = ++this.#rv;
    obj.metadata = { ...obj.metadata, resourceVersion: String(rv) };
    const b = this.#bucket(info);
    const ns = obj.metadata.namespace ?? "";
    let m = b.byNs.get(ns);
    if (!m) b.byNs.set(ns, (m = new Map()));
    if (!m.has(obj.metadata.name ?? "")) {
      b.count++;
      b.sorted = undefined;
    }
    m.set(obj.metadata.name ?? "", obj);
    this.#publish(info, rv, type, obj, old);
  }

  /** Removes `old` for good; `last` is the final state carried by the DELETED event (with a new RV). */
  #remove(info: ResourceInfo, last: KubeObject, old: KubeObject): KubeObject {
    const rv = ++this.#rv;
    const final: KubeObject = { ...last, metadata: { ...last.metadata, resourceVersion: String(rv) } };
    const b = this.#bucket(info);
    const ns = old.metadata.namespace ?? "";
    const m = b.byNs.get(ns);
    if (m?.delete(old.metadata.name ?? "")) {
      b.count--;
      b.sorted = undefined;
      if (m.size === 0) b.byNs.delete(ns);
    }
    this.#publish(info, rv, "DELETED", final, old);
    return final;
  }

  #publish(info: ResourceInfo, rv: number, type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject, old: KubeObject | undefined): void {
    const key = resourceKey(info.group, info.resource);
    this.#history.append({ rv, key, type, object: obj, old });
    this.#hub.publish(key, type, obj, old);
    if (info.group === "apiextensions.k8s.io" && info.resource === "customresourcedefinitions") this.#crdChanged(type, obj, old);
    if (this.#listeners.size > 0) {
      // One copy per event, shared by all in-process listeners.
      const event: StoreEvent = { type, resource: refOf(info), object: clone(obj) };
      if (old) event.old = clone(old);
      for (const l of [...this.#listeners]) l(event);
    }
    if (type === "DELETED" && info.namespaced) this.#maybeFinalizeNamespace(obj.metadata.namespace ?? "");
  }

  #crdChanged(type: "ADDED" | "MODIFIED" | "DELETED", crd: KubeObject, old: KubeObject | undefined): void {
    const before = old ? resourcesOfCrd(old) : [];
    const after = type === "DELETED" ? [] : resourcesOfCrd(crd);
    for (const r of before) {
      if (after.some((a) => a.group === r.group && a.version === r.version && a.resource === r.resource)) continue;
      this.registry.remove(r.group, r.version, r.resource);
      this.admission.customResourceChanged(r, false);
    }
    for (const r of after) {
      this.registry.add(r);
      this.admission.customResourceChanged(r, true);
    }
    if (type === "DELETED" && before[0]) {
      // The apiextensions finalizer deletes every custom resource before the CRD goes.
      const info = before[0];
      const b = this.#bucket(info);
      for (const m of [...b.byNs.values()]) for (const obj of [...m.values()]) this.#remove(info, obj, obj);
    }
  }

  #deleteNamespace(info: ResourceInfo, old: KubeObject, req: DeleteRequest): DeleteResult {
    const name = old.metadata.name ?? "";
    if (UNDELETABLE_NAMESPACES.has(name)) throw forbidden("", "namespaces", name, "this namespace may not be deleted");
    if (req.dryRun) return { object: old, removed: false };
    let current = old;
    if (!old.metadata.deletionTimestamp) {
      const next: KubeObject = { ...old, metadata: { ...old.metadata, deletionTimestamp: rfc3339(this.#now()), deletionGracePeriodSeconds: 0 }, status: { ...((old["status"] as object) ?? {}), phase: "Terminating" } };
      this.#commit(info, "MODIFIED", next, old);
      current = next;
      // The namespace controller: delete everything inside, then the namespace itself.
      for (const r of this.registry.all()) {
        if (!r.namespaced) continue;
        const m = this.#bucket(r).byNs.get(name);
        if (!m) continue;
        for (const objName of [...m.keys()]) {
          try {
            this.deleteObject(r, name, objName, { propagationPolicy: "Background" });
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 404)) throw err;
          }
        }
      }
    }
    const removed = this.#maybeFinalizeNamespace(name);
    return { object: removed ?? current, removed: removed !== undefined };
  }

  #maybeFinalizeNamespace(ns: string): KubeObject | undefined {
    const nsInfo = this.#info("", "namespaces");
    const nsObj = this.peek(nsInfo, undefined, ns);
    if (!nsObj?.metadata.deletionTimestamp || statusPhase(nsObj) !== "Terminating") return undefined;
    for (const r of this.registry.all()) if (r.namespaced && (this.#bucket(r).byNs.get(ns)?.size ?? 0) > 0) return undefined;
    return this.#remove(nsInfo, nsObj, nsObj);
  }
}

/** Field manager recorded for in-process writes, as a real cluster's components would appear. */
function internalManager(ref: ResourceRef, subresource: string | undefined): string {
  if (ref.group === "" && (ref.resource === "pods" || ref.resource === "nodes") && subresource === "status") return "kubelet";
  if (ref.group === "" && ref.resource === "events") return "kubelet";
  return "kube-controller-manager";
}
