/** Small helpers over plain objects shared by the controllers: owner references, conditions, pod readiness, hashing. */

import type { KubeObject, OwnerReference } from "../store/types.js";
import type { Condition, Pod } from "./k8s-types.js";

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerOf(obj)?.uid === owner.metadata.uid;
}

export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

export function getCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}

/**
 * Sets a condition in place; keeps lastTransitionTime when the status does not change
 * (as the controllers do) and always refreshes lastUpdateTime when `withUpdateTime`.
 */
export function setCondition(conditions: Condition[], next: Condition, now: string, withUpdateTime = false): Condition[] {
  const i = conditions.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? conditions[i] : undefined;
  const merged: Condition = { ...next };
  merged.lastTransitionTime = prev && prev.status === next.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  if (withUpdateTime) {
    const same = prev && prev.status === next.status && prev.reason === next.reason && prev.message === next.message;
    merged.lastUpdateTime = same && prev.lastUpdateTime ? prev.lastUpdateTime : now;
  }
  if (i >= 0) conditions[i] = merged;
  else conditions.push(merged);
  return conditions;
}

export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !isDeleting(pod);
}

export function isPodReady(pod: Pod): boolean {
  return getCondition(pod.status?.conditions, "Ready")?.status === "True";
}

/**
 * Tracks since when (real ms) each pod has been ready, so minReadySeconds (scaled) can be honoured
 * without relying on second-precision condition timestamps or the test clock.
 */
export class ReadyTracker {
  readonly #since = new Map<string, number>();

  /** Ready for at least `minReadyMs`; otherwise undefined ms left via `remaining`. */
  available(pod: Pod, minReadyMs: number): boolean {
    return this.remaining(pod, minReadyMs) === 0;
  }

  /** 0 when available, Infinity when not ready, else the ms still to wait. */
  remaining(pod: Pod, minReadyMs: number): number {
    const uid = pod.metadata.uid ?? "";
    if (!isPodReady(pod)) {
      this.#since.delete(uid);
      return Infinity;
    }
    const now = Date.now();
    let since = this.#since.get(uid);
    if (since === undefined) {
      since = now;
      this.#since.set(uid, now);
    }
    return Math.max(0, since + minReadyMs - now);
  }
}

/** Resolves an IntOrString such as 1 or "25%" against a total, rounding up or down. */
export function intOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: number | string): number {
  const v = value ?? fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number.parseInt(v, 10) || 0;
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/** FNV-1a 32-bit over a string. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** As apimachinery rand.SafeEncodeString: maps each character onto a vowel-free alphabet. */
export function safeEncode(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** Canonical JSON (sorted keys) so equal templates hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** pod-template-hash / controller-revision-hash of a template, with an optional collision count. */
export function templateHash(template: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(canonicalJson(template) + (collisionCount ? String(collisionCount) : ""))));
}

/** Five characters from the generateName alphabet. */
export function randomSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return out;
}

export function nsName(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}
