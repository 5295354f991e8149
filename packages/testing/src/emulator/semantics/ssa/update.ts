/**
 * managedFields bookkeeping for non-apply writes (create, update, patch): the writer's `Update` entry
 * gains the fields it added or changed, other managers lose them (an update never conflicts), and fields
 * that disappeared are dropped from every entry. A later apply then conflicts with, say, a
 * `kubectl scale` that changed `spec.replicas`.
 */

import { gvkOf, type GroupVersionKind } from "../gvk.js";
import { deepClone, deepEqual, isObject, type JsonObject } from "../json.js";
import { defaultRegistry, type SchemaRegistry } from "../schema/registry.js";
import type { KubeObject } from "../../store/types.js";
import { FieldSet } from "./fieldset.js";
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

function strip(obj: KubeObject | undefined): JsonObject | undefined {
  if (!obj) return undefined;
  const copy = deepClone(obj) as JsonObject;
  if (isObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/** Returns a copy of `updated` with its managedFields updated for this write. */
export function trackUpdate(input: TrackUpdateInput): KubeObject {
  const registry = input.registry ?? defaultRegistry;
  const gvk = input.gvk ?? gvkOf(input.updated);
  const schema = registry.schemaFor(gvk);
  const keep = ownershipFilter(input.subresource, registry.hasStatusSubresource(gvk));
  const apiVersion = entryApiVersion(gvk);
  const result = deepClone(input.updated);
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
  const changed = cmp.modified.union(cmp.added).filter(keep);
  const removed = cmp.removed.filter(keep);
  const self = { manager: input.manager, operation: "Update" as const, apiVersion, ...(input.subresource ? { subresource: input.subresource } : {}) };
  const selfId = managerId(self);
  let entry = managers.find((m) => managerId(m) === selfId);
  for (const m of managers) {
    if (m !== entry) m.set = m.set.difference(changed);
    m.set = m.set.difference(removed);
  }
  if (!changed.isEmpty()) {
    if (!entry) {
      entry = { ...self, set: new FieldSet() };
      managers.push(entry);
    }
    entry.set = entry.set.union(changed);
    entry.time = formatTime(input.now);
  }
  const entries = encodeManagers(managers);
  if (entries.length > 0) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}
