/**
 * Field sets as structured-merge-diff keeps them: a trie of path elements encoded like FieldsV1 keys
 * (`f:<field>`, `k:{"name":"x"}`, `v:<json>`, `i:<index>`); a node is a *member* when the path itself
 * is in the set (FieldsV1 writes that as `.` when the node also has children).
 */

import { isObject, type JsonObject } from "../json.js";

export type PathElement = string;
export type Path = PathElement[];

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static fromPaths(paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: Path): void {
    let node: FieldSet = this;
    for (const el of path) {
      let next = node.children.get(el);
      if (!next) {
        next = new FieldSet();
        node.children.set(el, next);
      }
      node = next;
    }
    if (path.length > 0) node.member = true;
  }

  child(el: PathElement): FieldSet | undefined {
    return this.children.get(el);
  }

  has(path: Path): boolean {
    let node: FieldSet | undefined = this;
    for (const el of path) {
      node = node.children.get(el);
      if (!node) return false;
    }
    return node.member;
  }

  /** Whether the set holds `path` or anything beneath it. */
  hasPrefix(path: Path): boolean {
    let node: FieldSet | undefined = this;
    for (const el of path) {
      node = node.children.get(el);
      if (!node) return false;
    }
    return node.member || node.children.size > 0;
  }

  /** Whether anything strictly beneath `path` is in the set. */
  hasDescendant(path: Path): boolean {
    let node: FieldSet | undefined = this;
    for (const el of path) {
      node = node.children.get(el);
      if (!node) return false;
    }
    for (const c of node.children.values()) if (!c.isEmpty()) return true;
    return false;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** All member paths, depth-first in sorted element order. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    const stack = [...prefix];
    const walk = (node: FieldSet): void => {
      if (node.member && stack.length > 0) out.push(stack.slice());
      for (const el of sortedKeys(node)) {
        stack.push(el);
        walk(node.children.get(el) as FieldSet);
        stack.pop();
      }
    };
    walk(this);
    return out;
  }

  // The set operations below work on the tries directly (no path lists, no sorting). Like building
  // from member paths, their results only hold nodes that lead to a member, and never a member root.

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    addMembers(out, this);
    addMembers(out, other);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    select(out, this, other, false);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    select(out, this, other, true);
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    addMembers(out, this);
    return out;
  }

  /** Keeps only the paths accepted by `keep` (used to drop ignored fields). */
  filter(keep: (path: Path) => boolean): FieldSet {
    const out = new FieldSet();
    const stack: Path = [];
    const walk = (src: FieldSet, dst: FieldSet): boolean => {
      let any = false;
      for (const [el, child] of src.children) {
        stack.push(el);
        const next = new FieldSet();
        const below = walk(child, next);
        if (child.member && keep(stack.slice())) next.member = true;
        if (below || next.member) {
          dst.children.set(el, next);
          any = true;
        }
        stack.pop();
      }
      return any;
    };
    walk(this, out);
    return out;
  }

  /**
   * `filter`, in place: for sets the caller just built and holds alone (no copy). Like `filter`, leaves
   * no node that does not lead to a member, and no member root.
   */
  retain(keep: (path: Path) => boolean): this {
    const stack: Path = [];
    const walk = (node: FieldSet): boolean => {
      for (const [el, child] of node.children) {
        stack.push(el);
        const below = walk(child);
        if (child.member && !keep(stack.slice())) child.member = false;
        if (!below && !child.member) node.children.delete(el);
        stack.pop();
      }
      return node.children.size > 0;
    };
    walk(this);
    this.member = false;
    return this;
  }

  toFieldsV1(): JsonObject {
    return encode(this) ?? {};
  }

  static fromFieldsV1(raw: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: FieldSet, value: unknown): void => {
      if (!isObject(value)) return;
      const keys = Object.keys(value);
      for (const key of keys) {
        if (key === ".") {
          node.member = true;
          continue;
        }
        const child = new FieldSet();
        node.children.set(key, child);
        const sub = value[key];
        if (!isObject(sub) || Object.keys(sub).length === 0) child.member = true;
        else walk(child, sub);
      }
    };
    walk(set, raw);
    return set;
  }
}

/** Copies the member paths of `src` (beneath its root) into `dst`; returns whether there were any. */
function addMembers(dst: FieldSet, src: FieldSet): boolean {
  let any = false;
  for (const [el, child] of src.children) {
    let next = dst.children.get(el);
    const fresh = next === undefined;
    next ??= new FieldSet();
    const below = addMembers(next, child);
    if (child.member) next.member = true;
    if (below || child.member) {
      if (fresh) dst.children.set(el, next);
      any = true;
    }
  }
  return any;
}

/** Member paths of `src` that `other` holds (`inOther`) or does not hold, into `dst`. */
function select(dst: FieldSet, src: FieldSet, other: FieldSet | undefined, inOther: boolean): boolean {
  if (other === undefined) return inOther ? false : addMembers(dst, src);
  let any = false;
  for (const [el, child] of src.children) {
    const counterpart = other.children.get(el);
    if (inOther && counterpart === undefined) continue;
    const next = new FieldSet();
    const below = select(next, child, counterpart, inOther);
    if (child.member && (counterpart?.member ?? false) === inOther) next.member = true;
    if (below || next.member) {
      dst.children.set(el, next);
      any = true;
    }
  }
  return any;
}

/** FieldsV1 of a node, or undefined when it holds no member (what `isEmpty` says). */
function encode(node: FieldSet): JsonObject | undefined {
  let out: JsonObject | undefined;
  if (node.member) {
    out = {};
    if (node.children.size > 0) out["."] = {};
  }
  for (const el of sortedKeys(node)) {
    const sub = encode(node.children.get(el) as FieldSet);
    if (sub) (out ??= {})[el] = sub;
  }
  return out;
}

const NO_KEYS: readonly PathElement[] = [];

/** Child elements in FieldsV1 order (read-only: the empty result is shared). */
function sortedKeys(node: FieldSet): readonly PathElement[] {
  if (node.children.size === 0) return NO_KEYS;
  const keys = [...node.children.keys()];
  return keys.length > 1 ? keys.sort(compareElements) : keys;
}

/** Element kinds in FieldsV1 order: `f:` fields, `v:` values, `k:` keys, `i:` indexes, anything else last. */
function rank(code: number): number {
  switch (code) {
    case 102: // f
      return 0;
    case 118: // v
      return 1;
    case 107: // k
      return 2;
    case 105: // i
      return 3;
    default:
      return 9;
  }
}

function compareElements(a: string, b: string): number {
  const ta = rank(a.charCodeAt(0));
  const tb = rank(b.charCodeAt(0));
  if (ta !== tb) return ta - tb;
  // 58 is ':': two `i:<n>` indexes compare as numbers.
  if (ta === 3 && a.charCodeAt(1) === 58 && b.charCodeAt(1) === 58) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export const fieldEl = (name: string): PathElement => `f:${name}`;
export const valueEl = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
export const indexEl = (i: number): PathElement => `i:${i}`;

export function keyEl(key: Record<string, unknown>): PathElement {
  const names = Object.keys(key);
  if (names.length === 1) {
    // The common single-key item (`name`): same text as below without building a sorted copy.
    const name = names[0] as string;
    const v = key[name];
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return `k:{${JSON.stringify(name)}:${JSON.stringify(v)}}`;
  }
  const sorted = Object.fromEntries(Object.keys(key).sort().map((k) => [k, key[k]]));
  return `k:${JSON.stringify(sorted)}`;
}

/** structured-merge-diff `Path.String()`: `.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path
    .map((el) => {
      const body = el.slice(2);
      switch (el.charAt(0)) {
        case "f":
          return `.${body}`;
        case "k": {
          const key = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.keys(key)
            .sort()
            .map((k) => `${k}=${JSON.stringify(key[k])}`)
            .join(",")}]`;
        }
        case "v":
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join("");
}
