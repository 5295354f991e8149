/**
 * Per-kind parts of the registry strategies (`PrepareForCreate` / `PrepareForUpdate` in
 * kubernetes/pkg/registry): what status a new object starts with, which fields a main-resource or a
 * status write may change, and when metadata.generation moves.
 */

import type { ResourceInfo } from "../discovery/resources.js";
import { isPlainObject, jsonEqual } from "./json.js";
import type { KubeObject } from "./types.js";

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === "status");
}

/** Status of a newly created object (the client's status is dropped where a status subresource exists). */
export function initialStatus(info: ResourceInfo, obj: KubeObject): unknown {
  if (info.group === "" && info.resource === "pods") return { phase: "Pending", qosClass: podQOSClass(obj) };
  if (info.group === "" && info.resource === "namespaces") return { phase: "Active" };
  if (info.group === "" && info.resource === "persistentvolumeclaims") return { phase: "Pending" };
  if (info.group === "" && info.resource === "nodes") return obj["status"];
  if (info.group === "apiextensions.k8s.io" && info.resource === "customresourcedefinitions") return crdStatus(obj);
  if (!hasStatusSubresource(info)) return obj["status"];
  return info.custom ? undefined : {};
}

function crdStatus(crd: KubeObject): unknown {
  const spec = (crd["spec"] ?? {}) as { names?: unknown; versions?: { name?: string; storage?: boolean }[] };
  const at = crd.metadata.creationTimestamp;
  const storage = (spec.versions ?? []).find((v) => v.storage)?.name;
  return {
    acceptedNames: spec.names ?? {},
    conditions: [
      { type: "NamesAccepted", status: "True", lastTransitionTime: at, reason: "NoConflicts", message: "no conflicts found" },
      { type: "Established", status: "True", lastTransitionTime: at, reason: "InitialNamesAccepted", message: "the initial names have been accepted" },
    ],
    storedVersions: storage ? [storage] : [],
  };
}

/** qos.GetPodQOS, simplified to cpu and memory. */
export function podQOSClass(pod: KubeObject): string {
  const spec = (pod["spec"] ?? {}) as { containers?: { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } }[]; initContainers?: unknown[] };
  const containers = [...(spec.containers ?? []), ...((spec.initContainers ?? []) as typeof spec.containers & object)];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** Whether an update moves metadata.generation (spec changes; Deployments also on annotation changes). */
export function bumpsGeneration(info: ResourceInfo, old: KubeObject, next: KubeObject): boolean {
  if (!info.generation) return false;
  if (info.custom) {
    // Custom resources: anything but metadata (and status, when it is a subresource).
    const skip = new Set(["metadata", "apiVersion", "kind", ...(hasStatusSubresource(info) ? ["status"] : [])]);
    const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
    for (const k of keys) if (!skip.has(k) && !jsonEqual(old[k], next[k])) return true;
    return false;
  }
  if (!jsonEqual(old["spec"], next["spec"])) return true;
  if (info.group === "apps" && info.resource === "deployments") return !jsonEqual(old.metadata.annotations ?? {}, next.metadata.annotations ?? {});
  return false;
}

const SYSTEM_META = ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] as const;

/** The object a main-resource PUT/PATCH stores: client fields, with system metadata and status kept. */
export function mergeMainUpdate(info: ResourceInfo, old: KubeObject, incoming: KubeObject): KubeObject {
  const next: KubeObject = { ...incoming, metadata: { ...incoming.metadata } };
  const meta = next.metadata as Record<string, unknown>;
  for (const f of SYSTEM_META) {
    if (old.metadata[f] === undefined) delete meta[f];
    else meta[f] = old.metadata[f];
  }
  meta["name"] = old.metadata.name;
  if (old.metadata.namespace !== undefined) meta["namespace"] = old.metadata.namespace;
  else delete meta["namespace"];
  if (meta["managedFields"] === undefined && old.metadata.managedFields !== undefined) meta["managedFields"] = old.metadata.managedFields;
  if (hasStatusSubresource(info)) {
    if (old["status"] === undefined) delete next["status"];
    else next["status"] = old["status"];
  }
  if (info.group === "" && info.resource === "namespaces") {
    // spec.finalizers only change through /finalize.
    next["spec"] = old["spec"];
  }
  return next;
}

/** The object a `/status` write stores: the old object with the new status (spec and metadata kept). */
export function mergeStatusUpdate(old: KubeObject, incoming: KubeObject): KubeObject {
  const next: KubeObject = { ...old, metadata: { ...old.metadata } };
  if (incoming["status"] === undefined) delete next["status"];
  else next["status"] = incoming["status"];
  if (incoming.metadata.managedFields !== undefined) next.metadata.managedFields = incoming.metadata.managedFields;
  return next;
}

/** Whether two versions differ in anything a client could observe apart from resourceVersion/managedFields. */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => {
    const meta: Record<string, unknown> = { ...o.metadata };
    delete meta["resourceVersion"];
    delete meta["managedFields"];
    return { ...o, metadata: meta };
  };
  return jsonEqual(strip(a), strip(b));
}

export function statusPhase(obj: KubeObject): string | undefined {
  const s = obj["status"];
  return isPlainObject(s) && typeof s["phase"] === "string" ? s["phase"] : undefined;
}
