/**
 * The emulator's object-semantics library: pure functions the HTTP server and store call to give
 * objects the apiserver's behaviour. Nothing here does I/O; failures are `SemanticError`s whose
 * `toStatus()` is the apiserver's Status.
 *
 * - schemas of built-in kinds (from client-node's models) and of CRDs, and OpenAPI v3 documents;
 * - field validation (Strict/Warn/Ignore decoding + the apiserver's semantic checks);
 * - API defaulting;
 * - strategic merge patch, JSON merge patch, JSON patch;
 * - server-side apply and managedFields tracking.
 */

export { SemanticError, type FailureStatus, type StatusCause, type StatusDetails } from "./errors.js";
export { apiVersionOf, gvkOf, groupKindString, parseApiVersion, type GroupVersionKind } from "./gvk.js";
export { BUILTIN_KINDS, builtinKind, type BuiltinKind } from "./schema/kinds.js";
export { SchemaRegistry, defaultRegistry, registerCustomSchema, schemaFor, type CustomKind, type CustomKindOptions } from "./schema/registry.js";
export { knownResources, openapiV3Document, openapiV3Hash, openapiV3Root, type OpenAPIDocumentOptions, type OpenAPIResource } from "./schema/openapi.js";
export type { ListSchema, MapSchema, ObjectSchema, ScalarSchema, Schema } from "./schema/types.js";
export { invalidError, validateObject, type FieldValidationMode, type ValidateOptions, type ValidationIssue, type ValidationResult, type WriteOperation } from "./validate/validate.js";
export type { FieldError } from "./validate/field-error.js";
export { applyDefaults } from "./defaults/defaults.js";
export { generateJobSelector } from "./defaults/kinds.js";
export { strategicMergePatch, type StrategicMergeOptions } from "./patch/smp.js";
export { jsonMergePatch } from "./patch/merge-patch.js";
export { JsonPatchError, MAX_JSON_PATCH_OPERATIONS, jsonPatch } from "./patch/json-patch.js";
export { BEFORE_FIRST_APPLY, serverSideApply, type ServerSideApplyInput, type ServerSideApplyResult } from "./ssa/apply.js";
export { trackUpdate, type TrackUpdateInput } from "./ssa/update.js";
export { applyConflictError, type ApplyConflict, type ManagedFieldsEntry } from "./ssa/managed.js";
