/**
 * Contract between the emulated API server (HTTP layer, owns the implementation in this folder)
 * and the in-process controllers / simulated kubelet (which read and write objects without HTTP).
 *
 * All objects are plain JSON (what the apiserver would store), always with apiVersion and kind.
 * Writes made through this interface behave like writes from a controller inside the cluster:
 * they bump the cluster-wide resourceVersion, are seen by watchers, and go through the same
 * defaulting and validation as HTTP writes (but skip auth, faults and request recording).
 */

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Identifies a resource collection: group "" is the core group. */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural lower-case resource name, e.g. "deployments". */
  resource: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface StoreEvent {
  type: Exclude<WatchEventType, "BOOKMARK">;
  resource: ResourceRef;
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED only). */
  old?: KubeObject;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
}

export interface ObjectStore {
  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined;
  list(ref: ResourceRef, namespace?: string, options?: ListOptions): KubeObject[];
  /** Assigns uid, resourceVersion, creationTimestamp, generation; applies defaults. Throws a StatusError on conflict. */
  create(ref: ResourceRef, object: KubeObject): KubeObject;
  /** Replaces the whole object (spec and metadata; status is kept unless `subresource` is "status"). */
  update(ref: ResourceRef, object: KubeObject, options?: { subresource?: "status" }): KubeObject;
  /** Read-modify-write helper for controllers: `mutate` edits a copy; returns the stored result. */
  mutate(ref: ResourceRef, namespace: string | undefined, name: string, mutate: (draft: KubeObject) => void, options?: { subresource?: "status" }): KubeObject | undefined;
  delete(ref: ResourceRef, namespace: string | undefined, name: string, options?: DeleteOptions): KubeObject | undefined;
  /** Subscribe to every committed change, synchronously after commit. Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  /** Current cluster-wide resourceVersion. */
  resourceVersion(): string;
}
