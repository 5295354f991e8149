/**
 * An informer-style cache of pods fed by store events, indexed by controller owner and node, so
 * controllers and the scheduler do not copy every pod on each reconcile. Cached objects are the
 * store's event objects: callers must treat them as read-only.
 */

import type { ObjectStore, StoreEvent } from "../store/types.js";
import type { Pod } from "./k8s-types.js";
import { PODS } from "./refs.js";
import { controllerOf } from "./objects.js";

export class PodCache {
  readonly #byKey = new Map<string, Pod>();
  readonly #byOwner = new Map<string, Set<string>>();
  #unsubscribe: (() => void) | undefined;

  start(store: ObjectStore): void {
    this.#unsubscribe = store.subscribe((e) => this.#onEvent(e));
    for (const p of store.list(PODS)) this.#set(p as Pod);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#byKey.clear();
    this.#byOwner.clear();
  }

  get(namespace: string | undefined, name: string): Pod | undefined {
    return this.#byKey.get(`${namespace ?? ""}/${name}`);
  }

  all(): Pod[] {
    return [...this.#byKey.values()];
  }

  /** Pods whose controller reference points at `ownerUid`. */
  owned(ownerUid: string): Pod[] {
    const keys = this.#byOwner.get(ownerUid);
    if (!keys) return [];
    const out: Pod[] = [];
    for (const k of keys) {
      const p = this.#byKey.get(k);
      if (p) out.push(p);
    }
    return out;
  }

  #onEvent(e: StoreEvent): void {
    if (e.resource.group !== "" || e.resource.resource !== "pods") return;
    if (e.type === "DELETED") this.#delete(e.object as Pod);
    else this.#set(e.object as Pod);
  }

  #set(pod: Pod): void {
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    const prev = this.#byKey.get(key);
    if (prev) this.#unindex(key, prev);
    this.#byKey.set(key, pod);
    const owner = controllerOf(pod)?.uid;
    if (owner) {
      let set = this.#byOwner.get(owner);
      if (!set) this.#byOwner.set(owner, (set = new Set()));
      set.add(key);
    }
  }

  #delete(pod: Pod): void {
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    const prev = this.#byKey.get(key);
    if (!prev || prev.metadata.uid !== pod.metadata.uid) return;
    this.#unindex(key, prev);
    this.#byKey.delete(key);
  }

  #unindex(key: string, pod: Pod): void {
    const owner = controllerOf(pod)?.uid;
    if (!owner) return;
    const set = this.#byOwner.get(owner);
    set?.delete(key);
    if (set?.size === 0) this.#byOwner.delete(owner);
  }
}
