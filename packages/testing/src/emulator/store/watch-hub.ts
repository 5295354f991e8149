/**
 * Fan-out of committed changes to watchers, indexed by resource so a commit only visits the watchers
 * of its own resource. Selector transitions follow the watch cache: an object that starts matching is
 * sent as ADDED, one that stops matching as DELETED.
 */

import type { FieldMatcher, LabelMatcher } from "./selectors.js";
import type { KubeObject } from "./types.js";

export type WatchType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchFilter {
  namespace?: string | undefined;
  label?: LabelMatcher | undefined;
  field?: FieldMatcher | undefined;
}

export interface Watcher {
  filter: WatchFilter;
  send(type: WatchType, object: KubeObject): void;
}

export function matches(filter: WatchFilter, obj: KubeObject): boolean {
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  if (filter.label && !filter.label(obj.metadata.labels)) return false;
  if (filter.field && !filter.field(obj)) return false;
  return true;
}

/** What a watcher with `filter` sees of a change, or undefined when it sees nothing. */
export function translate(filter: WatchFilter, type: WatchType, object: KubeObject, old: KubeObject | undefined): WatchType | undefined {
  if (type === "ADDED") return matches(filter, object) ? "ADDED" : undefined;
  if (type === "DELETED") return matches(filter, old ?? object) || matches(filter, object) ? "DELETED" : undefined;
  const now = matches(filter, object);
  const before = old ? matches(filter, old) : now;
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  if (before) return "DELETED";
  return undefined;
}

export class WatchHub {
  readonly #byKey = new Map<string, Set<Watcher>>();

  add(key: string, watcher: Watcher): () => void {
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.#byKey.get(key) === set) this.#byKey.delete(key);
    };
  }

  publish(key: string, type: WatchType, object: KubeObject, old: KubeObject | undefined): void {
    const set = this.#byKey.get(key);
    if (!set) return;
    for (const w of [...set]) {
      const seen = translate(w.filter, type, object, old);
      if (seen) w.send(seen, object);
    }
  }

  count(): number {
    let n = 0;
    for (const s of this.#byKey.values()) n += s.size;
    return n;
  }
}
