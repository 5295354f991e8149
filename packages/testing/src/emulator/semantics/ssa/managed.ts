/** `metadata.managedFields` entries: decoding, identity, ignored fields, encoding and ordering. */

import { SemanticError } from "../errors.js";
import { apiVersionOf, type GroupVersionKind } from "../gvk.js";
import { isObject, type JsonObject } from "../json.js";
import { FieldSet, pathString, type Path } from "./fieldset.js";

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  fieldsType?: "FieldsV1";
  fieldsV1?: JsonObject;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** BuildManagerIdentifier: appliers are identified without their apiVersion. */
export function managerId(m: Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">): string {
  return JSON.stringify({ manager: m.manager, operation: m.operation, ...(m.operation === "Update" ? { apiVersion: m.apiVersion } : {}), subresource: m.subresource ?? "" });
}

export function decodeManagers(raw: unknown): Manager[] {
  if (!Array.isArray(raw)) return [];
  const out: Manager[] = [];
  for (const e of raw) {
    if (!isObject(e) || typeof e.manager !== "string") continue;
    const m: Manager = {
      manager: e.manager,
      operation: e.operation === "Apply" ? "Apply" : "Update",
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    if (typeof e.time === "string") m.time = e.time;
    if (typeof e.subresource === "string" && e.subresource) m.subresource = e.subresource;
    out.push(m);
  }
  return out;
}

/** sortEncodedManagedFields: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  const sorted = managers
    .filter((m) => !m.set.isEmpty())
    .sort((p, q) => {
      if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
      const pt = p.time ? Date.parse(p.time) : 0;
      const qt = q.time ? Date.parse(q.time) : 0;
      if (pt !== qt) return pt - qt;
      if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
      if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
      return (p.subresource ?? "") < (q.subresource ?? "") ? -1 : 1;
    });
  return sorted.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = "FieldsV1";
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** metav1.Time: RFC 3339 in UTC with second precision. */
export function formatTime(now: Date | string | undefined): string {
  const d = now === undefined ? new Date() : typeof now === "string" ? new Date(now) : now;
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const STRIPPED_META = new Set(["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"]);

/**
 * Which paths count for ownership: apiVersion/kind and server-set metadata never do (stripmeta.go);
 * `status` is reset on main-resource writes of kinds with a status subresource, and only `status`
 * counts for writes to `/status`.
 */
export function ownershipFilter(subresource: string | undefined, hasStatusSubresource: boolean): (path: Path) => boolean {
  return (path) => {
    const [first, second] = path;
    if (first === "f:apiVersion" || first === "f:kind") return false;
    if (first === "f:metadata" && second !== undefined && STRIPPED_META.has(second.slice(2))) return false;
    if (first === "f:metadata" && second === undefined) return false;
    if (subresource === "status") return first === "f:status";
    if (hasStatusSubresource && first === "f:status") return false;
    return true;
  };
}

export interface ApplyConflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  /** Path as structured-merge-diff prints it: `.spec.replicas`. */
  field: string;
  /** printManager: `"kubectl-patch" using apps/v1`. */
  managerDescription: string;
}

export function describeManager(m: Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === "Update") s += ` using ${m.apiVersion}`;
  return s;
}

export function conflictsFrom(manager: Manager, set: FieldSet): ApplyConflict[] {
  return set.paths().map((p) => {
    const c: ApplyConflict = { manager: manager.manager, operation: manager.operation, apiVersion: manager.apiVersion, field: pathString(p), managerDescription: describeManager(manager) };
    if (manager.subresource) c.subresource = manager.subresource;
    return c;
  });
}

/** errors.NewApplyConflict with the message of fieldmanager's `getConflictMessage`. */
export function applyConflictError(conflicts: ApplyConflict[]): SemanticError {
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0] as ApplyConflict;
    message = `Apply failed with 1 conflict: conflict with ${c.managerDescription}: ${c.field}`;
  } else {
    const byManager = new Map<string, ApplyConflict[]>();
    for (const c of conflicts) byManager.set(c.managerDescription, [...(byManager.get(c.managerDescription) ?? []), c]);
    const lines: string[] = [];
    for (const key of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${key}:`);
      for (const c of byManager.get(key) ?? []) lines.push(`- ${c.field}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new SemanticError(409, "Conflict", message, {
    causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${c.managerDescription}`, field: c.field })),
  });
}

export function entryApiVersion(gvk: GroupVersionKind): string {
  return apiVersionOf(gvk);
}
