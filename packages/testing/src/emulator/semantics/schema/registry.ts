/**
 * Schema lookup by group/version/kind: built-in kinds come from client-node's models, custom kinds from
 * the `openAPIV3Schema` of their CRD. A `SchemaRegistry` holds the custom kinds of one emulated cluster;
 * `defaultRegistry` backs the module-level helpers.
 */

import { gvkKey, type GroupVersionKind } from "../gvk.js";
import type { JsonObject } from "../json.js";
import { customResourceSchema } from "./crd.js";
import { modelSchema } from "./from-models.js";
import { builtinKind, builtinListModel } from "./kinds.js";
import type { ObjectSchema } from "./types.js";

export interface CustomKindOptions {
  /** Plural resource name (for OpenAPI paths); defaults to the lower-cased kind + "s". */
  resource?: string;
  namespaced?: boolean;
  /** Whether the CRD version enables the status subresource (main-resource writes then ignore status). */
  statusSubresource?: boolean;
  scaleSubresource?: boolean;
}

export interface CustomKind extends CustomKindOptions {
  gvk: GroupVersionKind;
  schema: ObjectSchema;
  openAPIV3Schema: JsonObject | undefined;
}

export class SchemaRegistry {
  private readonly custom = new Map<string, CustomKind>();

  registerCustomSchema(gvk: GroupVersionKind, openAPIV3Schema: JsonObject | undefined, options: CustomKindOptions = {}): ObjectSchema {
    const schema = customResourceSchema(openAPIV3Schema, gvk.kind);
    this.custom.set(gvkKey(gvk), { ...options, gvk: { ...gvk }, schema, openAPIV3Schema });
    return schema;
  }

  unregisterCustomSchema(gvk: GroupVersionKind): void {
    this.custom.delete(gvkKey(gvk));
  }

  customKind(gvk: GroupVersionKind): CustomKind | undefined {
    return this.custom.get(gvkKey(gvk));
  }

  customKinds(): CustomKind[] {
    return [...this.custom.values()];
  }

  isBuiltin(gvk: GroupVersionKind): boolean {
    return builtinKind(gvk) !== undefined || builtinListModel(gvk) !== undefined;
  }

  schemaFor(gvk: GroupVersionKind): ObjectSchema | undefined {
    const builtin = builtinKind(gvk);
    if (builtin) return modelSchema(builtin.model, gvk.group, gvk.version);
    const listModel = builtinListModel(gvk);
    if (listModel) return modelSchema(listModel, gvk.group, gvk.version);
    return this.custom.get(gvkKey(gvk))?.schema;
  }

  /** Whether main-resource writes of this kind keep the stored `status` (it has a status subresource). */
  hasStatusSubresource(gvk: GroupVersionKind): boolean {
    const builtin = builtinKind(gvk);
    if (builtin) return builtin.statusSubresource;
    return this.custom.get(gvkKey(gvk))?.statusSubresource === true;
  }
}

export const defaultRegistry = new SchemaRegistry();

export function schemaFor(gvk: GroupVersionKind, registry: SchemaRegistry = defaultRegistry): ObjectSchema | undefined {
  return registry.schemaFor(gvk);
}

export function registerCustomSchema(gvk: GroupVersionKind, openAPIV3Schema: JsonObject | undefined, options?: CustomKindOptions, registry: SchemaRegistry = defaultRegistry): ObjectSchema {
  return registry.registerCustomSchema(gvk, openAPIV3Schema, options);
}
