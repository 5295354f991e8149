/**
 * In-memory ObjectStore test double for unit tests of the controllers and kubelet. It follows the
 * apiserver rules the runtime depends on: resourceVersion and generation bumps, status subresource,
 * pod graceful deletion, finalizers and the Foreground/Orphan propagation finalizers.
 */

import { randomUUID } from "node:crypto";
import type { DeleteOptions, KubeObject, ListOptions, ObjectStore, ResourceRef, StoreEvent } from "../store/types.js";
import { failure } from "../kubelet/errors.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { clone, randomSuffix } from "./objects.js";

function key(ref: ResourceRef, ns: string | undefined, name: string): string {
  return `${ref.group}/${ref.resource}/${ns ?? ""}/${name}`;
}

function qualified(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

export class MemoryStore implements ObjectStore {
  #objects = new Map<string, { ref: ResourceRef; obj: KubeObject }>();
  #rv = 1;
  #listeners = new Set<(e: StoreEvent) => void>();

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const entry = this.#objects.get(key(ref, namespace, name));
    return entry ? clone(entry.obj) : undefined;
  }

  list(ref: ResourceRef, namespace?: string, options?: ListOptions): KubeObject[] {
    const labels = options?.labelSelector ? parseLabelSelector(options.labelSelector) : () => true;
    const fields = options?.fieldSelector ? parseFieldSelector(options.fieldSelector) : () => true;
    const out: KubeObject[] = [];
    for (const { ref: r, obj } of this.#objects.values()) {
      if (r.group !== ref.group || r.resource !== ref.resource) continue;
      if (namespace !== undefined && obj.metadata.namespace !== namespace) continue;
      if (!labels(obj.metadata.labels ?? {}) || !fields(obj as unknown as Record<string, unknown>)) continue;
      out.push(clone(obj));
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  create(ref: ResourceRef, object: KubeObject): KubeObject {
    const obj = clone(object);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    const name = meta.name ?? "";
    const k = key(ref, meta.namespace, name);
    if (this.#objects.has(k)) throw failure(409, "AlreadyExists", `${qualified(ref)} "${name}" already exists`, { name, group: ref.group, kind: ref.resource });
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    meta.generation = 1;
    meta.resourceVersion = String(++this.#rv);
    delete meta.deletionTimestamp;
    this.#objects.set(k, { ref, obj });
    this.#emit({ type: "ADDED", resource: ref, object: clone(obj) });
    return clone(obj);
  }

  update(ref: ResourceRef, object: KubeObject, options?: { subresource?: "status" }): KubeObject {
    const name = object.metadata.name ?? "";
    const k = key(ref, object.metadata.namespace, name);
    const entry = this.#objects.get(k);
    if (!entry) throw this.#notFound(ref, name);
    const old = entry.obj;
    if (object.metadata.resourceVersion && object.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw failure(409, "Conflict", `Operation cannot be fulfilled on ${qualified(ref)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: ref.group, kind: ref.resource });
    }
    let next: KubeObject;
    if (options?.subresource === "status") {
      next = clone(old);
      next["status"] = clone(object["status"]);
    } else {
      next = clone(object);
      if ("status" in old) next["status"] = clone(old["status"]);
      else delete next["status"];
      for (const f of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] as const) {
        const meta = next.metadata as Record<string, unknown>;
        if (old.metadata[f] === undefined) delete meta[f];
        else meta[f] = old.metadata[f];
      }
      const specChanged = JSON.stringify(next["spec"]) !== JSON.stringify(old["spec"]);
      const annotationsChanged = ref.resource === "deployments" && JSON.stringify(next.metadata.annotations ?? {}) !== JSON.stringify(old.metadata.annotations ?? {});
      if (specChanged || annotationsChanged) next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    if (JSON.stringify(next) === JSON.stringify({ ...old, metadata: { ...old.metadata, resourceVersion: next.metadata.resourceVersion } })) {
      return clone(old);
    }
    next.metadata.resourceVersion = String(++this.#rv);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && (next.metadata.deletionGracePeriodSeconds ?? 0) === 0) {
      return this.#remove(ref, k, next, old);
    }
    entry.obj = next;
    this.#emit({ type: "MODIFIED", resource: ref, object: clone(next), old: clone(old) });
    return clone(next);
  }

  mutate(ref: ResourceRef, namespace: string | undefined, name: string, mutate: (draft: KubeObject) => void, options?: { subresource?: "status" }): KubeObject | undefined {
    const entry = this.#objects.get(key(ref, namespace, name));
    if (!entry) return undefined;
    const draft = clone(entry.obj);
    mutate(draft);
    draft.metadata.resourceVersion = entry.obj.metadata.resourceVersion;
    return this.update(ref, draft, options);
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: DeleteOptions): KubeObject | undefined {
    const k = key(ref, namespace, name);
    const entry = this.#objects.get(k);
    if (!entry) throw this.#notFound(ref, name);
    const old = entry.obj;
    const next = clone(old);
    const meta = next.metadata;
    const finalizers = new Set(meta.finalizers ?? []);
    if (options?.propagationPolicy === "Foreground") finalizers.add("foregroundDeletion");
    if (options?.propagationPolicy === "Orphan") finalizers.add("orphan");
    let grace = 0;
    if (ref.resource === "pods" && ref.group === "") {
      const spec = (next["spec"] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
      const phase = (next["status"] as { phase?: string } | undefined)?.phase;
      grace = options?.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") grace = 0;
      if (grace < 0) grace = 1;
      if (meta.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds < grace) grace = meta.deletionGracePeriodSeconds;
    }
    if (finalizers.size === 0 && grace === 0) return this.#remove(ref, k, next, old);
    const nowMs = Date.now();
    if (!meta.deletionTimestamp || grace < (meta.deletionGracePeriodSeconds ?? Infinity)) {
      meta.deletionTimestamp = new Date(nowMs + grace * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    }
    meta.deletionGracePeriodSeconds = grace;
    if (finalizers.size > 0) meta.finalizers = [...finalizers];
    if (JSON.stringify(next) === JSON.stringify(old)) return clone(old);
    meta.resourceVersion = String(++this.#rv);
    entry.obj = next;
    this.#emit({ type: "MODIFIED", resource: ref, object: clone(next), old: clone(old) });
    return clone(next);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  resourceVersion(): string {
    return String(this.#rv);
  }

  #remove(ref: ResourceRef, k: string, last: KubeObject, old: KubeObject): KubeObject {
    this.#objects.delete(k);
    last.metadata.resourceVersion = String(++this.#rv);
    this.#emit({ type: "DELETED", resource: ref, object: clone(last), old: clone(old) });
    return clone(last);
  }

  #notFound(ref: ResourceRef, name: string): Error {
    return failure(404, "NotFound", `${qualified(ref)} "${name}" not found`, { name, group: ref.group, kind: ref.resource });
  }

  #emit(event: StoreEvent): void {
    for (const l of [...this.#listeners]) l(event);
  }
}

/** Polls `check` (every 2 ms) until it returns a non-undefined, non-false value; fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 3000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
