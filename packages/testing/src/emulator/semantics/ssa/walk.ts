/** Field sets of values (`ToFieldSet`) and of differences between two values (`Compare`). */

import { deepEqual, isObject } from "../json.js";
import type { Schema } from "../schema/types.js";
import { FieldSet, fieldEl, type Path, type PathElement } from "./fieldset.js";
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
 * Everything beneath (and including) a path that appears or disappears, into `node` (the node of that
 * path; `atRoot` when the path is empty). Associative lists and always-present structs are not members
 * themselves, only their contents (as the apiserver records).
 */
function insertSubtree(node: FieldSet, v: unknown, s: Schema | undefined, atRoot: boolean, field: string | undefined): void {
  const kind = nodeKind(s, v);
  const implicit = (field !== undefined && ALWAYS_PRESENT.has(field) && isObject(v)) || kind === "listMap" || kind === "listSet";
  if (!atRoot && !implicit) node.member = true;
  if (kind === "granular" && isObject(v)) {
    for (const k of Object.keys(v)) {
      const child = new FieldSet();
      insertSubtree(child, v[k], childSchema(s, k), false, k);
      graft(node, fieldEl(k), child);
    }
  } else if ((kind === "listMap" || kind === "listSet") && Array.isArray(v)) {
    if (v.length === 0 && !atRoot) node.member = true;
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) continue; // holes, skipped as forEach skips them
      const item: unknown = v[i];
      const child = new FieldSet();
      if (kind === "listMap") insertSubtree(child, item, itemSchema(s), false, undefined);
      else child.member = true;
      graft(node, itemElement(s, item, i), child);
    }
  }
}

/** Hangs `child` under `node` as `el` unless it holds nothing (merging with an item of the same key). */
function graft(node: FieldSet, el: PathElement, child: FieldSet): void {
  if (!child.member && child.children.size === 0) return;
  const existing = node.children.get(el);
  if (existing) {
    if (child.member) existing.member = true;
    for (const [k, c] of child.children) graft(existing, k, c);
  } else {
    node.children.set(el, child);
  }
}

/** The node of `path` in `set`, created on demand. */
function nodeAt(set: FieldSet, path: Path): FieldSet {
  let node = set;
  for (const el of path) {
    let next = node.children.get(el);
    if (!next) node.children.set(el, (next = new FieldSet()));
    node = next;
  }
  return node;
}

/** Adds the subtree of `v` at `path` to `set`; nodes are only created when something is inserted. */
function insertSubtreeAt(set: FieldSet, path: Path, v: unknown, s: Schema | undefined, field: string | undefined): void {
  const sub = new FieldSet();
  insertSubtree(sub, v, s, path.length === 0, field);
  if (!sub.member && sub.children.size === 0) return;
  if (path.length === 0) {
    for (const [k, c] of sub.children) graft(set, k, c);
    return;
  }
  graft(nodeAt(set, path.slice(0, -1)), path[path.length - 1] as PathElement, sub);
}

export function compare(oldValue: unknown, newValue: unknown, schema: Schema | undefined): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  // One path stack for the whole walk: elements are pushed and popped, never copied per node.
  const path: Path = [];
  const walk = (a: unknown, b: unknown, s: Schema | undefined, field: string | undefined): void => {
    const aMissing = a === undefined || a === null;
    const bMissing = b === undefined || b === null;
    if (aMissing && bMissing) return;
    if (aMissing) {
      insertSubtreeAt(result.added, path, b, s, field);
      return;
    }
    if (bMissing) {
      insertSubtreeAt(result.removed, path, a, s, field);
      return;
    }
    const kind = nodeKind(s, b);
    if (kind === "atomic" || (kind === "granular" && (!isObject(a) || !isObject(b))) || (kind !== "granular" && (!Array.isArray(a) || !Array.isArray(b)))) {
      if (!deepEqual(a, b)) result.modified.insert(path);
      return;
    }
    if (kind === "granular" && isObject(a) && isObject(b)) {
      for (const k of Object.keys(a)) {
        path.push(fieldEl(k));
        walk(a[k], b[k], childSchema(s, k), k);
        path.pop();
      }
      for (const k of Object.keys(b)) {
        if (Object.hasOwn(a, k)) continue;
        path.push(fieldEl(k));
        walk(a[k], b[k], childSchema(s, k), k);
        path.pop();
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const before = new Map(a.map((item, i) => [itemElement(s, item, i), item] as const));
      const after = new Map(b.map((item, i) => [itemElement(s, item, i), item] as const));
      for (const [el, item] of after) {
        path.push(el);
        if (!before.has(el)) {
          if (kind === "listMap") insertSubtreeAt(result.added, path, item, itemSchema(s), undefined);
          else result.added.insert(path);
        } else if (kind === "listMap") walk(before.get(el), item, itemSchema(s), undefined);
        path.pop();
      }
      for (const [el, item] of before) {
        if (after.has(el)) continue;
        path.push(el);
        if (kind === "listMap") insertSubtreeAt(result.removed, path, item, itemSchema(s), undefined);
        else result.removed.insert(path);
        path.pop();
      }
    }
  };
  walk(oldValue, newValue, schema, undefined);
  return result;
}
