/**
 * managedFields bookkeeping for non-apply writes (create, update, patch): the writer's `Update` entry
 * gains the fields it added or changed, other managers lose them (an update never conflicts), and fields
 * that disappeared are dropped from every entry. A later apply then conflicts with, say, a
 * `kubectl scale` that changed `spec.replicas`.
 */

import { gvkOf, type GroupVersionKind } from "../gvk.js";
import { deepEqual, isObject, type JsonObject } from "../json.js";
import { defaultRegistry, type SchemaRegistry } from "../schema/registry.js";
import type { KubeObject } from "../../store/types.js";
import { decodeManagers, encodeManagers, entryApiVersion, formatTime, managerId, ownershipFilter, type Manager } from "./managed.js";
import { compare } from "./walk.js";

export interface TrackUpdateInput {
  /** The stored object before the write; undefined for a create. */
  old: KubeObject | undefined;
  /** The object about to be stored (after patching/defaulting). */
  updated: KubeObject;
  manager: string;
  operation?: "Update";
  now?: Date | string;
  subresource?: string;
  gvk?: GroupVersionKind;
  registry?: SchemaRegistry;
}

/** The object as compared for ownership: without managedFields (a shallow view; nothing is copied deeply). */
function strip(obj: KubeObject | undefined): JsonObject | undefined {
  if (!obj) return undefined;
  if (!isObject(obj.metadata) || !Object.hasOwn(obj.metadata, "managedFields")) return obj;
  const { managedFields: _managedFields, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Returns `updated` with its managedFields updated for this write: a new top-level object and
 * `metadata`; nested values are shared with `updated` (stored objects are never mutated).
 */
export function trackUpdate(input: TrackUpdateInput): KubeObject {
  const registry = input.registry ?? defaultRegistry;
  const gvk = input.gvk ?? gvkOf(input.updated);
  const schema = registry.schemaFor(gvk);
  const keep = ownershipFilter(input.subresource, registry.hasStatusSubresource(gvk));
  const apiVersion = entryApiVersion(gvk);
  const meta = input.updated.metadata;
  const result: KubeObject = { ...input.updated, metadata: isObject(meta) ? { ...meta } : meta };
  const requested = input.updated.metadata?.managedFields;
  const oldFields = input.old?.metadata?.managedFields;

  // `managedFields: [{}]` is the documented way to clear them.
  if (Array.isArray(requested) && requested.length === 1 && isObject(requested[0]) && Object.keys(requested[0]).length === 0) {
    delete result.metadata.managedFields;
    return result;
  }
  // A write that sets managedFields explicitly (different from the stored ones) is trusted as the base.
  const base = requested !== undefined && !deepEqual(requested, oldFields) ? requested : oldFields;
  const managers: Manager[] = decodeManagers(base);

  const cmp = compare(strip(input.old), strip(input.updated), schema);
  // The comparison's sets are ours alone: filter them in place.
  const changed = (cmp.modified.isEmpty() ? cmp.added : cmp.modified.union(cmp.added)).retain(keep);
  const removed = cmp.removed.retain(keep);
  const self = { manager: input.manager, operation: "Update" as const, apiVersion, ...(input.subresource ? { subresource: input.subresource } : {}) };
  const selfId = managerId(self);
  let entry = managers.find((m) => managerId(m) === selfId);
  for (const m of managers) {
    if (m !== entry) m.set = m.set.difference(changed);
    m.set = m.set.difference(removed);
  }
  if (!changed.isEmpty()) {
    if (entry) {
      entry.set = entry.set.union(changed);
    } else {
      // `changed` is a fresh set nobody else holds: the new entry takes it as it is.
      entry = { ...self, set: changed };
      managers.push(entry);
    }
    entry.time = formatTime(input.now);
  }
  const entries = encodeManagers(managers);
  if (entries.length > 0) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}
