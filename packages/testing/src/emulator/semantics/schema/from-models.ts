/**
 * Builds schemas of built-in kinds from client-node's generated model classes (`attributeTypeMap`),
 * decorated with the merge markers of markers.ts. Object schemas are cached per model, so recursive
 * models (JSONSchemaProps) become cyclic graphs rather than infinite trees.
 */

import * as k8s from "@kubernetes/client-node";
import { ATOMIC_STRUCTS, FIELD_MARKERS, OBJECT_FIELD_STRATEGIES, QUANTITY_FIELDS } from "./markers.js";
import { META_MODELS, META_PREFIX, packagePrefix } from "./kinds.js";
import { modelDocs } from "./model-docs.js";
import type { ListSchema, MapSchema, ObjectSchema, Schema, ScalarSchema } from "./types.js";

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

const registry = k8s as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>;

export function modelAttributes(model: string): Attribute[] | undefined {
  const cls = registry[model];
  return cls && Array.isArray(cls.attributeTypeMap) ? cls.attributeTypeMap : undefined;
}

/** `V1DeploymentSpec` → `DeploymentSpec`, `CoreV1Event` → `Event`. */
export function goTypeName(model: string): string {
  return model.replace(/^(?:[A-Z][a-z]+)*V\d+(?:(?:alpha|beta)\d+)?(?=[A-Z])/, "");
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

/** Model names referenced by a type string. */
function referencedModels(type: string): string[] {
  const arr = ARRAY.exec(type) ?? MAP.exec(type);
  if (arr) return referencedModels(arr[1] ?? "");
  return modelAttributes(type) ? [type] : [];
}

function reachable(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const model = stack.pop() as string;
    if (seen.has(model)) continue;
    seen.add(model);
    for (const attr of modelAttributes(model) ?? []) stack.push(...referencedModels(attr.type));
  }
  return seen;
}

let coreModels: Set<string> | undefined;

/** Which Go package a model belongs to decides its OpenAPI name; core/v1 types are shared by all groups. */
function componentName(model: string, group: string, version: string): string {
  const short = goTypeName(model);
  if (META_MODELS.has(model)) return `${META_PREFIX}.${short}`;
  coreModels ??= reachable(["V1Pod", "V1Service", "V1Namespace", "V1Node", "V1PersistentVolumeClaim", "V1ConfigMap", "V1Secret", "V1ServiceAccount", "CoreV1Event", "V1PodTemplateSpec"]);
  if (coreModels.has(model) && !META_MODELS.has(model)) return `${packagePrefix("", "v1")}.${short}`;
  return `${packagePrefix(group, version)}.${short}`;
}

const cache = new Map<string, ObjectSchema>();

/** The schema of a client-node model; `group`/`version` name the package of models first reached from it. */
export function modelSchema(model: string, group: string, version: string): ObjectSchema | undefined {
  const hit = cache.get(model);
  if (hit) return hit;
  const attributes = modelAttributes(model);
  if (!attributes) return undefined;
  const docs = modelDocs(model);
  const schema: ObjectSchema = {
    type: "object",
    name: componentName(model, group, version),
    goName: goTypeName(model),
    properties: {},
    required: [],
  };
  if (docs.description) schema.description = docs.description;
  if (ATOMIC_STRUCTS.has(model)) schema.structType = "atomic";
  const strategies = OBJECT_FIELD_STRATEGIES[model];
  if (strategies) schema.fieldStrategies = { ...strategies };
  cache.set(model, schema);
  for (const attr of attributes) {
    const field = docs.fields.get(attr.name);
    const prop = typeSchema(attr.type, attr.format, model, attr.baseName, group, version);
    if (field?.description && prop.type !== "object") prop.description = field.description;
    schema.properties[attr.baseName] = prop;
    if (field?.required) schema.required.push(attr.baseName);
  }
  return schema;
}

function typeSchema(type: string, format: string, owner: string, field: string, group: string, version: string): Schema {
  const arr = ARRAY.exec(type);
  if (arr) {
    const marker = FIELD_MARKERS[owner]?.[field];
    const items = typeSchema(arr[1] ?? "any", format, owner, field, group, version);
    const list: ListSchema = { type: "list", items, listType: marker?.listType ?? "atomic" };
    if (marker?.listMapKeys) list.listMapKeys = [...marker.listMapKeys];
    if (marker?.patchStrategy) list.patchStrategy = marker.patchStrategy;
    if (marker?.patchMergeKey) list.patchMergeKey = marker.patchMergeKey;
    return list;
  }
  const map = MAP.exec(type);
  if (map) {
    const marker = FIELD_MARKERS[owner]?.[field];
    const result: MapSchema = { type: "map", values: typeSchema(map[1] ?? "any", format, owner, field, group, version) };
    if (marker?.mapType) result.mapType = marker.mapType;
    return result;
  }
  const quantity = QUANTITY_FIELDS[owner]?.includes(field) ?? false;
  const scalar = (s: ScalarSchema): ScalarSchema => s;
  switch (type) {
    case "string":
      if (quantity) return scalar({ type: "scalar", scalar: "string", format: "quantity" });
      return scalar({ type: "scalar", scalar: "string", ...(format ? { format } : {}) });
    case "number":
      return format.startsWith("int") ? { type: "scalar", scalar: "integer", format } : { type: "scalar", scalar: "number", format: format || "double" };
    case "boolean":
      return { type: "scalar", scalar: "boolean" };
    case "Date":
      return { type: "scalar", scalar: "string", format: format || "date-time" };
    case "IntOrString":
      return { type: "scalar", scalar: "string", format: "int-or-string", intOrString: true };
    case "any":
      return { type: "any" };
    default:
      return modelSchema(type, group, version) ?? { type: "any" };
  }
}
