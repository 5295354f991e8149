/** Renders the library's schema tree as OpenAPI 3.0 schema objects, collecting named components. */

import type { JsonObject } from "../json.js";
import type { ObjectSchema, Schema } from "./types.js";

export const REF = "#/components/schemas/";

/** Well-known scalar components, referenced by name as the real apiserver's documents do. */
const SCALAR_COMPONENTS: Record<string, JsonObject> = {
  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
    description: "IntOrString is a type that can hold an int32 or a string.",
    type: "string",
    format: "int-or-string",
  },
  "io.k8s.apimachinery.pkg.api.resource.Quantity": {
    description: "Quantity is a fixed-point representation of a number.",
    oneOf: [{ type: "string" }, { type: "number" }],
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.Time": {
    description: "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.",
    type: "string",
    format: "date-time",
  },
  "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": {
    description: "MicroTime is version of Time with microsecond level precision.",
    type: "string",
    format: "date-time",
  },
};

export class SchemaRenderer {
  readonly components: Record<string, JsonObject> = {};
  private readonly rendering = new Set<string>();

  /** Registers an object schema as a named component (if not already) and returns a `$ref` to it. */
  component(schema: ObjectSchema, name = schema.name ?? "unnamed", extra: JsonObject = {}): JsonObject {
    if (!this.components[name] && !this.rendering.has(name)) {
      this.rendering.add(name);
      this.components[name] = { ...this.objectBody(schema), ...extra };
      this.rendering.delete(name);
    } else if (this.components[name] && Object.keys(extra).length > 0) {
      Object.assign(this.components[name], extra);
    }
    return { $ref: REF + name };
  }

  private scalarRef(name: string, description?: string): JsonObject {
    const body = SCALAR_COMPONENTS[name];
    if (body) this.components[name] ??= { ...body };
    return description ? { allOf: [{ $ref: REF + name }], description } : { $ref: REF + name };
  }

  private objectBody(schema: ObjectSchema): JsonObject {
    const out: JsonObject = {};
    if (schema.description) out.description = schema.description;
    out.type = "object";
    const properties: JsonObject = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      const rendered = this.render(prop);
      const strategy = schema.fieldStrategies?.[name];
      if (strategy) rendered["x-kubernetes-patch-strategy"] = strategy;
      properties[name] = rendered;
    }
    if (Object.keys(properties).length > 0) out.properties = properties;
    if (schema.required.length > 0) out.required = [...schema.required];
    if (schema.structType === "atomic") out["x-kubernetes-map-type"] = "atomic";
    if (schema.preserveUnknownFields) out["x-kubernetes-preserve-unknown-fields"] = true;
    if (schema.embeddedResource) out["x-kubernetes-embedded-resource"] = true;
    return out;
  }

  render(schema: Schema): JsonObject {
    switch (schema.type) {
      case "object": {
        if (schema.name) {
          const ref = this.component(schema);
          return schema.description ? { allOf: [ref], description: schema.description } : ref;
        }
        return this.objectBody(schema);
      }
      case "map": {
        const out: JsonObject = {};
        if (schema.description) out.description = schema.description;
        out.type = "object";
        out.additionalProperties = this.render(schema.values);
        if (schema.mapType) out["x-kubernetes-map-type"] = schema.mapType;
        return out;
      }
      case "list": {
        const out: JsonObject = {};
        if (schema.description) out.description = schema.description;
        out.type = "array";
        out.items = this.render(schema.items);
        out["x-kubernetes-list-type"] = schema.listType;
        if (schema.listMapKeys) out["x-kubernetes-list-map-keys"] = [...schema.listMapKeys];
        if (schema.patchStrategy) out["x-kubernetes-patch-strategy"] = schema.patchStrategy;
        if (schema.patchMergeKey) out["x-kubernetes-patch-merge-key"] = schema.patchMergeKey;
        return out;
      }
      case "scalar": {
        if (schema.intOrString && schema.format === "int-or-string" && !schema.enum) {
          return this.scalarRef("io.k8s.apimachinery.pkg.util.intstr.IntOrString", schema.description);
        }
        if (schema.format === "quantity") return this.scalarRef("io.k8s.apimachinery.pkg.api.resource.Quantity", schema.description);
        if (schema.format === "date-time") return this.scalarRef("io.k8s.apimachinery.pkg.apis.meta.v1.Time", schema.description);
        if (schema.format === "date-time-micro") return this.scalarRef("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", schema.description);
        const out: JsonObject = {};
        if (schema.description) out.description = schema.description;
        out.type = schema.scalar;
        if (schema.format) out.format = schema.format;
        if (schema.enum) out.enum = [...schema.enum];
        for (const key of ["minimum", "maximum", "minLength", "maxLength", "pattern"] as const) {
          if (schema[key] !== undefined) out[key] = schema[key];
        }
        if (schema.nullable) out.nullable = true;
        return out;
      }
      case "any":
        return schema.description ? { description: schema.description, "x-kubernetes-preserve-unknown-fields": true } : { "x-kubernetes-preserve-unknown-fields": true };
    }
  }
}
