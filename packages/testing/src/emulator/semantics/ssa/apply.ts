/**
 * Server-side apply (research §3.4): merges an applied configuration into the live object by the schema's
 * list/map semantics, detects conflicts with other managers' fields, transfers ownership on `force`,
 * removes fields the applier stopped applying when nobody else owns them, and records the applier's
 * field set in `metadata.managedFields`. `live` undefined means the apply creates the object.
 */

import { applyDefaults } from "../defaults/defaults.js";
import { SemanticError, badRequest } from "../errors.js";
import { gvkOf, type GroupVersionKind } from "../gvk.js";
import { deepClone, isObject, type JsonObject } from "../json.js";
import { defaultRegistry, type SchemaRegistry } from "../schema/registry.js";
import type { KubeObject } from "../../store/types.js";
import { FieldSet } from "./fieldset.js";
import { applyConflictError, conflictsFrom, decodeManagers, encodeManagers, entryApiVersion, formatTime, managerId, ownershipFilter, type ApplyConflict, type Manager } from "./managed.js";
import { mergeValue, prune } from "./merge.js";
import { compare, toFieldSet } from "./walk.js";

export interface ServerSideApplyInput {
  live: KubeObject | undefined;
  /** The decoded apply body (YAML or JSON). */
  applied: unknown;
  manager: string;
  force?: boolean;
  /** Defaults to the applied object's apiVersion/kind. */
  gvk?: GroupVersionKind;
  now?: Date | string;
  /** "status" for `/status` applies; other values are recorded on the entry as given. */
  subresource?: string;
  registry?: SchemaRegistry;
}

export interface ServerSideApplyResult {
  /** The object to store; undefined when the apply fails. */
  object: KubeObject | undefined;
  /** Fields owned by other managers whose values the apply would change (empty when forced). */
  conflicts: ApplyConflict[];
  /** Set when the apply fails: 409 Conflict (the apiserver's message) or 400 for a malformed body. */
  error?: SemanticError;
  created: boolean;
}

/** The manager the apiserver invents when the first apply meets an object that has no managedFields. */
export const BEFORE_FIRST_APPLY = "before-first-apply";

function checkBody(applied: unknown): SemanticError | undefined {
  if (!isObject(applied)) return badRequest("error decoding YAML: the apply body must be an object");
  if (typeof applied.kind !== "string" || !applied.kind) return badRequest(`Object 'Kind' is missing in '${JSON.stringify(applied)}'`);
  if (typeof applied.apiVersion !== "string" || !applied.apiVersion) return badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(applied)}'`);
  const meta = applied.metadata;
  if (isObject(meta) && meta.managedFields !== undefined && meta.managedFields !== null) return badRequest("metadata.managedFields must be nil");
  return undefined;
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  const copy = deepClone(obj);
  if (isObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

export function serverSideApply(input: ServerSideApplyInput): ServerSideApplyResult {
  const registry = input.registry ?? defaultRegistry;
  const bad = checkBody(input.applied);
  if (bad) return { object: undefined, conflicts: [], error: bad, created: false };
  const applied = input.applied as JsonObject;
  const gvk = input.gvk ?? gvkOf(applied);
  const schema = registry.schemaFor(gvk);
  const statusSub = registry.hasStatusSubresource(gvk);
  const keep = ownershipFilter(input.subresource, statusSub);
  const apiVersion = entryApiVersion(gvk);
  const time = formatTime(input.now);

  // What this request may change: /status applies only status, main-resource applies never status.
  const config = deepClone(applied);
  if (input.subresource === "status") {
    for (const k of Object.keys(config)) if (!["apiVersion", "kind", "metadata", "status"].includes(k)) delete config[k];
  } else if (statusSub) {
    delete config.status;
  }

  const live = input.live ? withoutManagedFields(input.live) : undefined;
  let managers = input.live ? decodeManagers(input.live.metadata.managedFields) : [];
  if (live && managers.length === 0) {
    const all = compare(undefined, live, schema).added.filter(keep);
    if (!all.isEmpty()) managers = [{ manager: BEFORE_FIRST_APPLY, operation: "Update", apiVersion, time, set: all }];
  }
  const self = { manager: input.manager, operation: "Apply" as const, apiVersion, ...(input.subresource ? { subresource: input.subresource } : {}) };
  const selfId = managerId(self);
  const previous = managers.find((m) => managerId(m) === selfId);
  const others = managers.filter((m) => managerId(m) !== selfId);

  const merged = mergeValue(live ?? {}, config, schema) as JsonObject;
  const cmp = compare(live ?? {}, merged, schema);
  const changed = cmp.modified.union(cmp.added).filter(keep);

  const conflicts: ApplyConflict[] = [];
  const taken = new Map<Manager, FieldSet>();
  for (const m of others) {
    const overlap = m.set.intersection(changed);
    if (overlap.isEmpty()) continue;
    taken.set(m, overlap);
    conflicts.push(...conflictsFrom(m, overlap));
  }
  conflicts.sort((a, b) => (a.manager === b.manager ? 0 : a.manager < b.manager ? -1 : 1));
  if (conflicts.length > 0 && !input.force) {
    return { object: undefined, conflicts, error: applyConflictError(conflicts), created: live === undefined };
  }
  for (const [m, overlap] of taken) m.set = m.set.difference(overlap);

  const applierSet = toFieldSet(config, schema).filter(keep);
  const toRemove = (previous?.set ?? new FieldSet()).difference(applierSet);
  let owned = applierSet;
  for (const m of others) owned = owned.union(m.set);
  prune(merged, schema, toRemove, owned);

  const applier: Manager = { ...self, time, set: applierSet };
  const object = applyDefaults(gvk, merged, registry) as KubeObject;
  if (!isObject(object.metadata)) object.metadata = {};
  const entries = encodeManagers([...others, applier]);
  if (entries.length > 0) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
  return { object, conflicts: [], created: live === undefined };
}
