/** Merging an applied configuration into the live object, and removing fields nobody owns any more. */

import { deepClone, isObject, type JsonObject } from "../json.js";
import type { Schema } from "../schema/types.js";
import type { FieldSet, Path } from "./fieldset.js";
import { childSchema, itemElement, itemSchema, nodeKind } from "./structure.js";

/**
 * Interleaves list items like structured-merge-diff: items of the config keep the config's order, live-only
 * items stay where they were relative to the items around them.
 */
function mergeList(live: unknown[], config: unknown[], s: Schema | undefined, kind: "listMap" | "listSet"): unknown[] {
  const liveEls = live.map((item, i) => itemElement(s, item, i));
  const configEls = config.map((item, i) => itemElement(s, item, i));
  const configAt = new Map(configEls.map((el, i) => [el, i] as const));
  const liveAt = new Map(liveEls.map((el, i) => [el, i] as const));
  const out: unknown[] = [];
  const emitted = new Set<string>();
  let next = 0;
  const emitConfig = (upTo: number): void => {
    for (; next <= upTo && next < config.length; next++) {
      const el = configEls[next] as string;
      if (emitted.has(el)) continue;
      emitted.add(el);
      const li = liveAt.get(el);
      const item = config[next];
      out.push(li !== undefined && kind === "listMap" ? mergeValue(live[li], item, itemSchema(s)) : deepClone(item));
    }
  };
  liveEls.forEach((el, i) => {
    const ci = configAt.get(el);
    if (ci !== undefined) emitConfig(ci);
    else if (!emitted.has(el)) {
      emitted.add(el);
      out.push(deepClone(live[i]));
    }
  });
  emitConfig(config.length - 1);
  return out;
}

export function mergeValue(live: unknown, config: unknown, s: Schema | undefined): unknown {
  if (config === undefined) return deepClone(live);
  if (live === undefined || live === null || config === null) return deepClone(config);
  const kind = nodeKind(s, config);
  if (kind === "granular" && isObject(live) && isObject(config)) {
    const out: JsonObject = deepClone(live);
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(live[k], v, childSchema(s, k));
    }
    return out;
  }
  if ((kind === "listMap" || kind === "listSet") && Array.isArray(live) && Array.isArray(config)) return mergeList(live, config, s, kind);
  return deepClone(config);
}

/** Removes `path` from `value` (in place). Returns false when the path does not exist. */
function removePath(value: unknown, s: Schema | undefined, path: Path): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return false;
  if (head.startsWith("f:")) {
    if (!isObject(value)) return false;
    const key = head.slice(2);
    if (!Object.hasOwn(value, key)) return false;
    if (rest.length === 0) {
      delete value[key];
      return true;
    }
    const removed = removePath(value[key], childSchema(s, key), rest);
    // Empty string maps vanish when Go re-encodes them (omitempty); structs stay as `{}`.
    const child = value[key];
    if (removed && isObject(child) && Object.keys(child).length === 0 && childSchema(s, key)?.type === "map") delete value[key];
    return removed;
  }
  if (!Array.isArray(value)) return false;
  const at = value.findIndex((item, i) => itemElement(s, item, i) === head);
  if (at < 0) return false;
  if (rest.length === 0) {
    value.splice(at, 1);
    return true;
  }
  // Key fields identify a surviving item; they go only with the item itself.
  const keys = s?.type === "list" ? (s.listMapKeys ?? []) : [];
  if (rest.length === 1 && keys.includes((rest[0] as string).slice(2))) return false;
  return removePath(value[at], itemSchema(s), rest);
}

/**
 * Drops every path of `toRemove` from `obj` unless `owned` still holds it or something beneath it, so a
 * list item survives while another manager owns one of its fields. Shallow paths go first; the
 * descendants of a removed node are gone with it.
 */
export function prune(obj: unknown, schema: Schema | undefined, toRemove: FieldSet, owned: FieldSet): void {
  const paths = toRemove.paths().sort((a, b) => a.length - b.length);
  const removed: Path[] = [];
  for (const p of paths) {
    if (owned.hasPrefix(p)) continue;
    if (removed.some((r) => r.every((el, i) => p[i] === el))) continue;
    if (removePath(obj, schema, p)) removed.push(p);
  }
}
