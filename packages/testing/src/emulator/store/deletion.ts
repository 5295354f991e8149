/**
 * DELETE semantics (research §3.9): graceful pod deletion (`podStrategy.CheckGracefulDelete`),
 * finalizers, and the propagation finalizers the garbage collector acts on (`foregroundDeletion`,
 * `orphan`). Returns what to do; the store commits it.
 */

import type { ResourceInfo } from "../discovery/resources.js";
import { conflict } from "./errors.js";
import { rfc3339 } from "./json.js";
import { statusPhase } from "./prepare.js";
import type { KubeObject } from "./types.js";

export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

export interface DeleteRequest {
  gracePeriodSeconds?: number | undefined;
  propagationPolicy?: PropagationPolicy | undefined;
  /** Deprecated DeleteOptions.orphanDependents (true = Orphan, false = Background). */
  orphanDependents?: boolean | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  dryRun?: boolean | undefined;
}

export type DeletePlan = { kind: "remove" } | { kind: "keep"; object: KubeObject } | { kind: "unchanged" };

export function checkPreconditions(info: ResourceInfo, obj: KubeObject, req: DeleteRequest): void {
  const p = req.preconditions;
  const name = obj.metadata.name ?? "";
  if (p?.uid && p.uid !== obj.metadata.uid) {
    throw conflict(info.group, info.resource, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ""}`);
  }
  if (p?.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(info.group, info.resource, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ""}`);
  }
}

function policyOf(req: DeleteRequest): PropagationPolicy | undefined {
  if (req.propagationPolicy) return req.propagationPolicy;
  if (req.orphanDependents === true) return "Orphan";
  if (req.orphanDependents === false) return "Background";
  return undefined;
}

export function planDelete(info: ResourceInfo, old: KubeObject, req: DeleteRequest, nowMs: number): DeletePlan {
  const finalizers = [...(old.metadata.finalizers ?? [])];
  const policy = policyOf(req);
  const add = (f: string) => {
    if (!finalizers.includes(f)) finalizers.push(f);
  };
  if (policy === "Foreground") add("foregroundDeletion");
  if (policy === "Orphan") add("orphan");
  if (policy === "Background") {
    // An explicit Background request replaces a pending Foreground/Orphan choice.
    for (const f of ["foregroundDeletion", "orphan"]) {
      const i = finalizers.indexOf(f);
      if (i >= 0 && !(old.metadata.finalizers ?? []).includes(f)) finalizers.splice(i, 1);
    }
  }

  let grace = 0;
  if (info.group === "" && info.resource === "pods") {
    const spec = (old["spec"] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    grace = req.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    const phase = statusPhase(old);
    if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") grace = 0;
    if (grace < 0) grace = 1;
    const current = old.metadata.deletionGracePeriodSeconds;
    // A second delete may only shorten the grace period.
    if (current !== undefined && current < grace) grace = current;
  }

  if (finalizers.length === 0 && grace === 0) return { kind: "remove" };

  const meta = { ...old.metadata };
  const current = meta.deletionGracePeriodSeconds;
  if (!meta.deletionTimestamp || current === undefined || grace < current) {
    meta.deletionTimestamp = rfc3339(nowMs + grace * 1000);
    meta.deletionGracePeriodSeconds = grace;
  }
  if (finalizers.length > 0) meta.finalizers = finalizers;
  const next: KubeObject = { ...old, metadata: meta };
  if (meta.deletionTimestamp === old.metadata.deletionTimestamp && meta.deletionGracePeriodSeconds === old.metadata.deletionGracePeriodSeconds && finalizers.length === (old.metadata.finalizers ?? []).length) {
    return { kind: "unchanged" };
  }
  return { kind: "keep", object: next };
}

/** After an update: an object being deleted whose last finalizer is gone (and grace is over) disappears. */
export function shouldRemoveAfterUpdate(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).length === 0 && (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}
