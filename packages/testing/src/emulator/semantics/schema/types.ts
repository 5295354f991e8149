/** The library's internal schema tree, built from client-node models or from a CRD's openAPIV3Schema. */

export type ListType = "atomic" | "set" | "map";

export interface ObjectSchema {
  /** Structural-schema `default` (CRDs): set when the field is absent. */
  default?: unknown;
  type: "object";
  /** OpenAPI component name (`io.k8s.api.apps.v1.Deployment`); undefined for inline CRD objects. */
  name?: string;
  /** Go type name as the apiserver's decoder prints it (`DeploymentSpec`). */
  goName?: string;
  description?: string;
  properties: Record<string, Schema>;
  required: string[];
  /** `+structType=atomic`: SSA owns and replaces the struct as a whole. */
  structType?: "atomic";
  /** `x-kubernetes-preserve-unknown-fields`: keep (and do not report) fields not in `properties`. */
  preserveUnknownFields?: boolean;
  /** `x-kubernetes-embedded-resource`: an object with apiVersion/kind/metadata. */
  embeddedResource?: boolean;
  /** SMP `patchStrategy` of object- or map-valued fields, e.g. `strategy: "retainKeys"` on DeploymentSpec. */
  fieldStrategies?: Record<string, string>;
}

export interface MapSchema {
  /** Structural-schema `default` (CRDs): set when the field is absent. */
  default?: unknown;
  type: "map";
  values: Schema;
  description?: string;
  mapType?: "atomic" | "granular";
}

export interface ListSchema {
  /** Structural-schema `default` (CRDs): set when the field is absent. */
  default?: unknown;
  type: "list";
  items: Schema;
  description?: string;
  listType: ListType;
  listMapKeys?: string[];
  /** Strategic merge patch markers (`merge`, `retainKeys`, `merge,retainKeys`). */
  patchStrategy?: string;
  patchMergeKey?: string;
}

export type ScalarType = "string" | "integer" | "number" | "boolean";

export interface ScalarSchema {
  /** Structural-schema `default` (CRDs): set when the field is absent. */
  default?: unknown;
  type: "scalar";
  scalar: ScalarType;
  /** OpenAPI format: int32, int64, date-time, byte, double, int-or-string, quantity... */
  format?: string;
  description?: string;
  /** IntOrString: a string or an integer. */
  intOrString?: boolean;
  enum?: unknown[];
  /** CRD validation constraints we check (subset of JSON Schema). */
  minimum?: number;
  maximum?: number;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
}

/** Anything goes (RawExtension, JSON, preserve-unknown-fields with no structure). */
export interface AnySchema {
  /** Structural-schema `default` (CRDs): set when the field is absent. */
  default?: unknown;
  type: "any";
  description?: string;
}

export type Schema = ObjectSchema | MapSchema | ListSchema | ScalarSchema | AnySchema;

