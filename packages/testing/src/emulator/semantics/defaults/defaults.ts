/**
 * API defaulting: what the apiserver fills in when it decodes a write (`SetDefaults_*` of the built-in
 * kinds, and `default:` values of a CRD's structural schema). Pure: returns a defaulted deep copy.
 */

import { gvkKey, type GroupVersionKind } from "../gvk.js";
import { deepClone, isObject, type JsonObject } from "../json.js";
import { defaultRegistry, type SchemaRegistry } from "../schema/registry.js";
import type { Schema } from "../schema/types.js";
import {
  defaultCronJob,
  defaultCustomResourceDefinition,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultNamespace,
  defaultPersistentVolumeClaim,
  defaultPod,
  defaultReplicaSet,
  defaultSecret,
  defaultService,
  defaultStatefulSet,
} from "./kinds.js";

const BUILTIN: Record<string, (o: JsonObject) => void> = {
  "v1/Pod": defaultPod,
  "v1/Service": defaultService,
  "v1/Namespace": defaultNamespace,
  "v1/Secret": defaultSecret,
  "v1/PersistentVolumeClaim": defaultPersistentVolumeClaim,
  "apps/v1/Deployment": defaultDeployment,
  "apps/v1/ReplicaSet": defaultReplicaSet,
  "apps/v1/StatefulSet": defaultStatefulSet,
  "apps/v1/DaemonSet": defaultDaemonSet,
  "batch/v1/Job": defaultJob,
  "batch/v1/CronJob": defaultCronJob,
  "apiextensions.k8s.io/v1/CustomResourceDefinition": defaultCustomResourceDefinition,
};

/** Structural-schema defaulting: absent properties with a `default` get it, recursively. */
function applySchemaDefaults(value: unknown, schema: Schema): void {
  if (schema.type === "object" && isObject(value)) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (value[name] === undefined && prop.default !== undefined) value[name] = deepClone(prop.default);
      if (value[name] !== undefined) applySchemaDefaults(value[name], prop);
    }
  } else if (schema.type === "list" && Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(item, schema.items);
  } else if (schema.type === "map" && isObject(value)) {
    for (const v of Object.values(value)) applySchemaDefaults(v, schema.values);
  }
}

export function applyDefaults<T extends object>(gvk: GroupVersionKind, obj: T, registry: SchemaRegistry = defaultRegistry): T {
  const copy = deepClone(obj) as unknown as JsonObject;
  const builtin = BUILTIN[gvkKey(gvk)];
  if (builtin) builtin(copy);
  else if (!registry.isBuiltin(gvk)) {
    const schema = registry.schemaFor(gvk);
    if (schema) applySchemaDefaults(copy, schema);
  }
  return copy as unknown as T;
}
