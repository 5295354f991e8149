/** Field sets of values (`ToFieldSet`) and of differences between two values (`Compare`). */

import { deepEqual, isObject } from "../json.js";
import type { Schema } from "../schema/types.js";
import { FieldSet, fieldEl, type Path } from "./fieldset.js";
import { childSchema, itemElement, itemSchema, nodeKind } from "./structure.js";

/** The fields an applied configuration sets: leaves, atomic values and associative list items. */
export function toFieldSet(value: unknown, schema: Schema | undefined): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, s: Schema | undefined, path: Path): void => {
    const kind = nodeKind(s, v);
    if (kind === "atomic" || v === null || v === undefined) {
      if (path.length > 0) set.insert(path);
      return;
    }
    if (kind === "granular") {
      if (!isObject(v)) return set.insert(path);
      const keys = Object.keys(v);
      if (keys.length === 0 && path.length > 0) set.insert(path);
      for (const k of keys) walk(v[k], childSchema(s, k), [...path, fieldEl(k)]);
      return;
    }
    if (!Array.isArray(v)) return set.insert(path);
    if (v.length === 0) set.insert(path);
    v.forEach((item, i) => {
      const itemPath = [...path, itemElement(s, item, i)];
      set.insert(itemPath);
      if (kind === "listMap") walk(item, itemSchema(s), itemPath);
    });
  };
  walk(value, schema, []);
  return set;
}

/**
 * Go structs that are not pointers serialize as `{}` even when empty, so an "empty" typed object already
 * has them: creating an object does not "add" these nodes themselves, only their contents.
 */
const ALWAYS_PRESENT = new Set(["metadata", "spec", "status", "template", "strategy", "updateStrategy", "jobTemplate"]);

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * Everything beneath (and including) a path that appears or disappears. Associative lists and
 * always-present structs are not members themselves, only their contents (as the apiserver records).
 */
function insertSubtree(set: FieldSet, v: unknown, s: Schema | undefined, path: Path, field: string | undefined): void {
  const kind = nodeKind(s, v);
  const implicit = (field !== undefined && ALWAYS_PRESENT.has(field) && isObject(v)) || kind === "listMap" || kind === "listSet";
  if (path.length > 0 && !implicit) set.insert(path);
  if (kind === "granular" && isObject(v)) {
    for (const k of Object.keys(v)) insertSubtree(set, v[k], childSchema(s, k), [...path, fieldEl(k)], k);
  } else if ((kind === "listMap" || kind === "listSet") && Array.isArray(v)) {
    if (v.length === 0 && path.length > 0) set.insert(path);
    v.forEach((item, i) => {
      const itemPath = [...path, itemElement(s, item, i)];
      if (kind === "listMap") insertSubtree(set, item, itemSchema(s), itemPath, undefined);
      else set.insert(itemPath);
    });
  }
}

export function compare(oldValue: unknown, newValue: unknown, schema: Schema | undefined): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const walk = (a: unknown, b: unknown, s: Schema | undefined, path: Path, field: string | undefined): void => {
    const aMissing = a === undefined || a === null;
    const bMissing = b === undefined || b === null;
    if (aMissing && bMissing) return;
    if (aMissing) {
      insertSubtree(result.added, b, s, path, field);
      return;
    }
    if (bMissing) {
      insertSubtree(result.removed, a, s, path, field);
      return;
    }
    const kind = nodeKind(s, b);
    if (kind === "atomic" || (kind === "granular" && (!isObject(a) || !isObject(b))) || (kind !== "granular" && (!Array.isArray(a) || !Array.isArray(b)))) {
      if (!deepEqual(a, b)) result.modified.insert(path);
      return;
    }
    if (kind === "granular" && isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], childSchema(s, k), [...path, fieldEl(k)], k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const before = new Map(a.map((item, i) => [itemElement(s, item, i), item] as const));
      const after = new Map(b.map((item, i) => [itemElement(s, item, i), item] as const));
      for (const [el, item] of after) {
        const itemPath = [...path, el];
        if (!before.has(el)) {
          if (kind === "listMap") insertSubtree(result.added, item, itemSchema(s), itemPath, undefined);
          else result.added.insert(itemPath);
        }
        else if (kind === "listMap") walk(before.get(el), item, itemSchema(s), itemPath, undefined);
      }
      for (const [el, item] of before) {
        if (after.has(el)) continue;
        if (kind === "listMap") insertSubtree(result.removed, item, itemSchema(s), [...path, el], undefined);
        else result.removed.insert([...path, el]);
      }
    }
  };
  walk(oldValue, newValue, schema, [], undefined);
  return result;
}
