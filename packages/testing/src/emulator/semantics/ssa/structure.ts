/**
 * How SSA sees a schema node: granular struct/map, associative list (by keys or as a set), or an atomic
 * value. Kinds without a schema are "deduced" (objects granular, lists atomic), as structured-merge-diff
 * does for unstructured data.
 */

import { isObject } from "../json.js";
import { LIST_MAP_KEY_DEFAULTS } from "../schema/markers.js";
import type { Schema } from "../schema/types.js";
import { indexEl, keyEl, valueEl, type PathElement } from "./fieldset.js";

export type NodeKind = "granular" | "listMap" | "listSet" | "atomic";

export function nodeKind(schema: Schema | undefined, value: unknown): NodeKind {
  if (!schema) return isObject(value) ? "granular" : "atomic";
  switch (schema.type) {
    case "object":
      return schema.structType === "atomic" ? "atomic" : "granular";
    case "map":
      return schema.mapType === "atomic" ? "atomic" : "granular";
    case "list":
      return schema.listType === "map" ? "listMap" : schema.listType === "set" ? "listSet" : "atomic";
    default:
      return "atomic";
  }
}

/** The schema of field `key` of a granular object (undefined = deduced). */
export function childSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  if (schema.type === "map") return schema.values;
  if (schema.type === "object") return schema.properties[key];
  return undefined;
}

export function itemSchema(schema: Schema | undefined): Schema | undefined {
  return schema?.type === "list" ? schema.items : undefined;
}

/** The path element naming a list item: `k:{...}` for list-maps, `v:<json>` for sets. */
export function itemElement(schema: Schema | undefined, item: unknown, index: number): PathElement {
  if (schema?.type === "list" && schema.listType === "map" && schema.listMapKeys && isObject(item)) {
    const key: Record<string, unknown> = {};
    for (const k of schema.listMapKeys) {
      const v = item[k] ?? LIST_MAP_KEY_DEFAULTS[k];
      if (v !== undefined) key[k] = v;
    }
    if (Object.keys(key).length > 0) return keyEl(key);
  }
  if (schema?.type === "list" && schema.listType === "set") return valueEl(item);
  return indexEl(index);
}
