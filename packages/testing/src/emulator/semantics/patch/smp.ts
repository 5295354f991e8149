/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), a port of apimachinery's
 * `strategicpatch.StrategicMergeMapPatch` with the apiserver's options (unmatched nulls ignored,
 * parallel directive lists merged). Merge keys and strategies come from the built-in schemas
 * (schema/markers.ts); see research §3.5 and the upstream strategic-merge-patch.md.
 *
 * Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>`; `null` deletes a key; lists without `patchStrategy: merge` are
 * replaced. Custom resources are rejected with 415 like the apiserver does.
 */

import type { GroupVersionKind } from "../gvk.js";
import { deepClone, deepEqual, isObject, type JsonObject } from "../json.js";
import { defaultRegistry, type SchemaRegistry } from "../schema/registry.js";
import type { Schema } from "../schema/types.js";
import { indexIn, normalizeElementOrder, partition } from "./smp-order.js";
import { smpErrors } from "./smp-errors.js";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

interface FieldMeta {
  schema: Schema | undefined;
  /** "merge" or "" (replace); retainKeys is stripped like extractRetainKeysPatchStrategy does. */
  strategy: string;
  mergeKey: string | undefined;
}

function lookup(schema: Schema | undefined, key: string): FieldMeta {
  if (!schema) return { schema: undefined, strategy: "", mergeKey: undefined };
  if (schema.type === "map") return meta(schema.values, undefined);
  if (schema.type !== "object") return { schema: undefined, strategy: "", mergeKey: undefined };
  return meta(schema.properties[key], schema.fieldStrategies?.[key]);
}

function meta(schema: Schema | undefined, objectStrategy: string | undefined): FieldMeta {
  const raw = schema?.type === "list" ? (schema.patchStrategy ?? "") : (objectStrategy ?? "");
  const strategy = raw
    .split(",")
    .filter((s) => s && s !== "retainKeys")
    .join(",");
  return { schema: schema?.type === "list" ? schema.items : schema, strategy, mergeKey: schema?.type === "list" ? schema.patchMergeKey : undefined };
}

/** discardNullValuesFromPatch: nulls inside newly added values are dropped. */
function discardNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(discardNulls);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = discardNulls(v);
    return out;
  }
  return value;
}

/** removeDirectives of a newly added list: drops `$patch` items and markers. */
function removeDirectives(list: unknown[]): unknown[] {
  return list.filter((item) => !(isObject(item) && item[DIRECTIVE] !== undefined && Object.keys(item).length === 1)).map((item) => {
    if (!isObject(item)) return item;
    const { [DIRECTIVE]: _drop, ...rest } = item;
    return rest;
  });
}

function jsonKind(v: unknown): string {
  return Array.isArray(v) ? "array" : typeof v === "boolean" ? "bool" : v === null ? "null" : typeof v;
}

function goKind(v: unknown): "map" | "slice" | "scalar" {
  return isObject(v) ? "map" : Array.isArray(v) ? "slice" : "scalar";
}

class Merger {
  mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: Schema | undefined): JsonObject {
    if (Object.hasOwn(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      if (directive === "replace") {
        const { [DIRECTIVE]: _drop, ...rest } = patch;
        return rest;
      }
      if (directive === "delete") return {};
      throw smpErrors.badPatchType(directive, patch);
    }
    const out: JsonObject = original ?? {};
    const work: JsonObject = { ...patch };
    this.retainKeys(out, work);
    this.setElementOrder(out, work, schema);

    for (const [rawKey, patchV] of Object.entries(work)) {
      if (rawKey.startsWith(SET_ORDER)) continue;
      let key = rawKey;
      let isDeleteList = false;
      if (rawKey.startsWith(DELETE_PRIMITIVE)) {
        key = rawKey.slice(DELETE_PRIMITIVE.length);
        isDeleteList = true;
      }
      // `null` and a map carrying `$patch: delete` both remove the key.
      if (patchV === null || (isObject(patchV) && patchV[DIRECTIVE] === "delete")) {
        delete out[key];
        continue;
      }
      if (!Object.hasOwn(out, key) || goKind(out[key]) !== goKind(patchV)) {
        if (!isDeleteList) out[key] = discardNulls(patchV);
        continue;
      }
      const field = lookup(schema, key);
      const current = out[key];
      if (isObject(current) && isObject(patchV)) {
        out[key] = this.mergeMap(current, patchV, field.schema);
      } else if (Array.isArray(current) && Array.isArray(patchV)) {
        out[key] = field.strategy === "merge" || isDeleteList ? this.mergeSlice(current, patchV, field, isDeleteList) : patchV;
      } else {
        out[key] = patchV;
      }
    }
    return out;
  }

  private retainKeys(original: JsonObject, patch: JsonObject): void {
    if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
    const retain = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(retain)) throw smpErrors.badRetainKeys();
    const keep = new Set(retain.map(String));
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
      if (!keep.has(k)) throw smpErrors.badRetainKeys();
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /** mergePatchIntoOriginal: lists with a `$setElementOrder` are merged and ordered here. */
  private setElementOrder(original: JsonObject, patch: JsonObject, schema: Schema | undefined): void {
    for (const [directive, order] of Object.entries(patch)) {
      if (!directive.startsWith(SET_ORDER)) continue;
      delete patch[directive];
      if (!Array.isArray(order)) throw smpErrors.badSetElementOrder();
      const key = directive.slice(SET_ORDER.length);
      const field = lookup(schema, key);
      const originalList = original[key];
      const patchList = patch[key];
      if (originalList !== undefined && !Array.isArray(originalList)) continue;
      if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) continue;
      this.validateWithOrder(Array.isArray(patchList) ? patchList : [], order, field.mergeKey);
      let merged: unknown[];
      if (Array.isArray(originalList) && !Array.isArray(patchList)) merged = originalList;
      else if (!Array.isArray(originalList) && Array.isArray(patchList)) merged = removeDirectives(patchList);
      else if (Array.isArray(originalList) && Array.isArray(patchList)) {
        merged = field.strategy === "merge" ? this.mergeSlice(originalList, patchList, field, false) : patchList;
      } else continue;
      const [inOrder, serverOnly] = partition(merged, order, field.mergeKey);
      original[key] = normalizeElementOrder(inOrder, serverOnly, order, Array.isArray(originalList) ? originalList : [], field.mergeKey);
      delete patch[key];
    }
  }

  /** validatePatchWithSetOrderList: patch items must appear in the order list, in the same order. */
  private validateWithOrder(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
    const items = patchList.filter((p) => !(isObject(p) && p[DIRECTIVE] !== undefined));
    let last = -1;
    for (const item of items) {
      const at = indexIn(order, item, mergeKey);
      if (at < 0 || at < last) throw smpErrors.badSetElementOrder();
      last = at;
    }
  }

  mergeSlice(original: unknown[], patch: unknown[], field: FieldMeta, isDeleteList: boolean): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const all = [...original, ...patch];
    if (all.some(Array.isArray)) throw smpErrors.noListOfLists();
    const kinds = new Set(all.map(goKind));
    if (kinds.size > 1) throw smpErrors.typesDontMatch();
    if (!kinds.has("map")) {
      if (isDeleteList) return original.filter((item) => !patch.some((p) => deepEqual(p, item)));
      const merged: unknown[] = [];
      for (const item of all) if (!merged.some((m) => deepEqual(m, item))) merged.push(item);
      const [inPatch, serverOnly] = partition(merged, patch, undefined);
      return normalizeElementOrder(inPatch, serverOnly, patch, original, undefined);
    }
    const mergeKey = field.mergeKey;
    if (!mergeKey) throw smpErrors.noMergeKeyDeclared();
    let server = original.map((o) => o);
    const patchItems: JsonObject[] = [];
    let replace = false;
    for (const item of patch as JsonObject[]) {
      if (!Object.hasOwn(item, DIRECTIVE)) {
        patchItems.push(item);
        continue;
      }
      const directive = item[DIRECTIVE];
      if (directive === "delete") {
        if (!Object.hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
        server = server.filter((s) => !(isObject(s) && deepEqual(s[mergeKey], item[mergeKey])));
      } else if (directive === "replace") {
        replace = true;
      } else if (directive === "merge") {
        throw smpErrors.mergeDirectiveInList();
      } else {
        throw smpErrors.badPatchType(directive, item);
      }
    }
    const serverOrder = replace ? patchItems : server;
    const effectivePatch = replace ? [] : patchItems;
    const merged: unknown[] = [...serverOrder];
    for (const item of effectivePatch) {
      if (!Object.hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
      const at = merged.findIndex((m) => isObject(m) && deepEqual(m[mergeKey], item[mergeKey]));
      if (at >= 0) merged[at] = this.mergeMap(merged[at] as JsonObject, item, field.schema);
      else merged.push(item);
    }
    const [inPatch, serverOnly] = partition(merged, effectivePatch, mergeKey);
    return normalizeElementOrder(inPatch, serverOnly, effectivePatch, serverOrder, mergeKey);
  }
}

export interface StrategicMergeOptions {
  registry?: SchemaRegistry;
}

/** Applies a strategic merge patch to `original` (not mutated) for a built-in kind. Throws SemanticError. */
export function strategicMergePatch<T = JsonObject>(original: unknown, patch: unknown, gvk: GroupVersionKind, options: StrategicMergeOptions = {}): T {
  const registry = options.registry ?? defaultRegistry;
  if (!registry.isBuiltin(gvk)) throw smpErrors.unsupportedForCustomResources();
  if (!isObject(patch)) throw smpErrors.notAnObject(jsonKind(patch));
  const schema = registry.schemaFor(gvk);
  const base = isObject(original) ? deepClone(original) : {};
  return new Merger().mergeMap(base, deepClone(patch), schema) as T;
}
