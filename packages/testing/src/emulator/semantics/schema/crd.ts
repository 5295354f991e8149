/** Converts a CRD version's `openAPIV3Schema` (a structural schema) into the library's schema tree. */

import { isObject, type JsonObject } from "../json.js";
import { modelSchema } from "./from-models.js";
import type { ListSchema, MapSchema, ObjectSchema, Schema, ScalarSchema } from "./types.js";

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

export function fromOpenAPIV3(raw: unknown): Schema {
  if (!isObject(raw)) return { type: "any" };
  const description = str(raw.description);
  const withDescription = <T extends Schema>(s: T): T => {
    if (description) s.description = description;
    if (raw.default !== undefined) s.default = structuredClone(raw.default);
    return s;
  };
  if (raw["x-kubernetes-int-or-string"] === true) {
    return withDescription<ScalarSchema>({ type: "scalar", scalar: "string", format: "int-or-string", intOrString: true });
  }
  const type = str(raw.type);
  const preserve = raw["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = raw["x-kubernetes-embedded-resource"] === true;
  if (type === "object" || (type === undefined && (isObject(raw.properties) || embedded))) {
    const props = isObject(raw.properties) ? raw.properties : undefined;
    const additional = raw.additionalProperties;
    if (!props && isObject(additional)) {
      const map: MapSchema = { type: "map", values: fromOpenAPIV3(additional) };
      const mapType = str(raw["x-kubernetes-map-type"]);
      if (mapType === "atomic" || mapType === "granular") map.mapType = mapType;
      return withDescription(map);
    }
    if (!props && additional === true) return withDescription<MapSchema>({ type: "map", values: { type: "any" } });
    const obj: ObjectSchema = { type: "object", properties: {}, required: Array.isArray(raw.required) ? raw.required.filter((r): r is string => typeof r === "string") : [] };
    for (const [name, sub] of Object.entries(props ?? {})) obj.properties[name] = fromOpenAPIV3(sub);
    if (preserve) obj.preserveUnknownFields = true;
    if (embedded) {
      obj.embeddedResource = true;
      obj.properties.apiVersion ??= { type: "scalar", scalar: "string" };
      obj.properties.kind ??= { type: "scalar", scalar: "string" };
      obj.properties.metadata ??= modelSchema("V1ObjectMeta", "", "v1") ?? { type: "any" };
    }
    if (raw["x-kubernetes-map-type"] === "atomic") obj.structType = "atomic";
    return withDescription(obj);
  }
  if (type === "array") {
    const list: ListSchema = { type: "list", items: fromOpenAPIV3(raw.items), listType: "atomic" };
    const listType = str(raw["x-kubernetes-list-type"]);
    if (listType === "set" || listType === "map" || listType === "atomic") list.listType = listType;
    if (Array.isArray(raw["x-kubernetes-list-map-keys"])) list.listMapKeys = raw["x-kubernetes-list-map-keys"].filter((k): k is string => typeof k === "string");
    return withDescription(list);
  }
  if (type === "string" || type === "integer" || type === "number" || type === "boolean") {
    const s: ScalarSchema = { type: "scalar", scalar: type };
    const format = str(raw.format);
    if (format) s.format = format;
    if (Array.isArray(raw.enum)) s.enum = [...raw.enum];
    for (const key of ["minimum", "maximum", "minLength", "maxLength"] as const) {
      const v = num(raw[key]);
      if (v !== undefined) s[key] = v;
    }
    const pattern = str(raw.pattern);
    if (pattern) s.pattern = pattern;
    if (raw.nullable === true) s.nullable = true;
    return withDescription(s);
  }
  return withDescription<Schema>({ type: "any" });
}

/** The root schema of a custom resource: the CRD schema plus the apiVersion/kind/metadata every object has. */
export function customResourceSchema(openAPIV3Schema: JsonObject | undefined, goName: string): ObjectSchema {
  const converted = openAPIV3Schema ? fromOpenAPIV3({ type: "object", ...openAPIV3Schema }) : undefined;
  const root: ObjectSchema =
    converted?.type === "object" ? converted : { type: "object", properties: {}, required: [], preserveUnknownFields: converted === undefined || converted.type === "any" };
  root.goName = goName;
  root.properties = {
    apiVersion: { type: "scalar", scalar: "string" },
    kind: { type: "scalar", scalar: "string" },
    metadata: modelSchema("V1ObjectMeta", "", "v1") ?? { type: "any" },
    ...Object.fromEntries(Object.entries(root.properties).filter(([k]) => k !== "apiVersion" && k !== "kind" && k !== "metadata")),
  };
  return root;
}
