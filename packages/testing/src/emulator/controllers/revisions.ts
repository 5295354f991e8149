/** ControllerRevisions for StatefulSets and DaemonSets (the history `kubectl rollout history/undo` reads). */

import type { KubeObject } from "../store/types.js";
import type { PodTemplate, Workload } from "./k8s-types.js";
import { listIfServed, type ControllerContext } from "./controller.js";
import { CONTROLLERREVISIONS } from "./refs.js";
import { controllerRef, isControlledBy, templateHash } from "./objects.js";
import { statusCodeOf } from "../kubelet/errors.js";

export interface Revision {
  name: string;
  hash: string;
  revision: number;
}

/** Finds or creates the revision of the owner's current template; returns it with all owned revisions. */
export function ensureRevision(ctx: ControllerContext, owner: Workload): { current: Revision; all: KubeObject[] } {
  const ns = owner.metadata.namespace;
  const template = owner.spec.template;
  const hash = templateHash(template);
  const name = `${owner.metadata.name}-${hash}`;
  const served = listIfServed(ctx.store, CONTROLLERREVISIONS, ns);
  // Without a ControllerRevision resource the revision name is still derived from the template.
  if (!served) return { current: { name, hash, revision: 1 }, all: [] };
  const all = served.filter((r) => isControlledBy(r, owner));
  const existing = all.find((r) => r.metadata.name === name);
  const maxRevision = Math.max(0, ...all.map((r) => Number(r["revision"] ?? 0)));
  if (existing) {
    const rev = Number(existing["revision"] ?? 0);
    // Going back to an older template makes it the newest revision again (as rollout undo does).
    if (rev < maxRevision) {
      const updated = ctx.store.mutate(CONTROLLERREVISIONS, ns, name, (d) => {
        d["revision"] = maxRevision + 1;
      });
      return { current: { name, hash, revision: Number(updated?.["revision"] ?? maxRevision + 1) }, all };
    }
    return { current: { name, hash, revision: rev }, all };
  }
  const data = { spec: { template: { ...structuredClone(template as PodTemplate), $patch: "replace" } } };
  try {
    const created = ctx.store.create(CONTROLLERREVISIONS, {
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: {
        name,
        namespace: ns,
        labels: { ...(owner.spec.template.metadata?.labels ?? {}), "controller.kubernetes.io/hash": hash },
        ownerReferences: [controllerRef(owner)],
      },
      data,
      revision: maxRevision + 1,
    });
    all.push(created);
  } catch (err) {
    if (statusCodeOf(err) !== 409) throw err;
  }
  return { current: { name, hash, revision: maxRevision + 1 }, all };
}

/** Deletes the oldest revisions beyond the history limit that no live pod uses. */
export function pruneRevisions(ctx: ControllerContext, owner: Workload, all: KubeObject[], inUse: Set<string>): void {
  const limit = owner.spec.revisionHistoryLimit ?? 10;
  const candidates = all.filter((r) => !inUse.has(r.metadata.name ?? "")).sort((a, b) => Number(a["revision"] ?? 0) - Number(b["revision"] ?? 0));
  for (const r of candidates.slice(0, Math.max(0, candidates.length - limit))) {
    try {
      ctx.store.delete(CONTROLLERREVISIONS, r.metadata.namespace, r.metadata.name ?? "");
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }
}
