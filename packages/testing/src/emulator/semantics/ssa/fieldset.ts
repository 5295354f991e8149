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
    return [...node.children.values()].some((c) => !c.isEmpty());
  }

  isEmpty(): boolean {
    return !this.member && [...this.children.values()].every((c) => c.isEmpty());
  }

  /** All member paths, depth-first in sorted element order. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    if (this.member && prefix.length > 0) out.push(prefix);
    for (const el of [...this.children.keys()].sort(compareElements)) {
      out.push(...(this.children.get(el) as FieldSet).paths([...prefix, el]));
    }
    return out;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    for (const p of other.paths()) out.insert(p);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.fromPaths(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.fromPaths(this.paths().filter((p) => other.has(p)));
  }

  clone(): FieldSet {
    return FieldSet.fromPaths(this.paths());
  }

  /** Keeps only the paths accepted by `keep` (used to drop ignored fields). */
  filter(keep: (path: Path) => boolean): FieldSet {
    return FieldSet.fromPaths(this.paths().filter(keep));
  }

  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    if (this.member && this.children.size > 0) out["."] = {};
    for (const el of [...this.children.keys()].sort(compareElements)) {
      const c = this.children.get(el) as FieldSet;
      if (!c.isEmpty()) out[el] = c.toFieldsV1();
    }
    return out;
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

const ORDER: Record<string, number> = { f: 0, v: 1, k: 2, i: 3 };

function compareElements(a: string, b: string): number {
  const ta = ORDER[a.charAt(0)] ?? 9;
  const tb = ORDER[b.charAt(0)] ?? 9;
  if (ta !== tb) return ta - tb;
  if (a.startsWith("i:") && b.startsWith("i:")) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export const fieldEl = (name: string): PathElement => `f:${name}`;
export const valueEl = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
export const indexEl = (i: number): PathElement => `i:${i}`;

export function keyEl(key: Record<string, unknown>): PathElement {
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
