/**
 * Field validation of request bodies, as the apiserver does it for the `fieldValidation` query parameter
 * (Strict | Warn | Ignore) plus its semantic `Validate<Kind>` checks. Returns data: errors, warnings,
 * the pruned object, and the `SemanticError` (with the apiserver's Status) the request should fail with.
 */

import { SemanticError } from "../errors.js";
import { apiVersionOf, groupKindString, type GroupVersionKind } from "../gvk.js";
import { isObject, type JsonObject } from "../json.js";
import { defaultRegistry, type SchemaRegistry } from "../schema/registry.js";
import { decodeAgainst } from "./decode.js";
import { aggregate, type FieldError } from "./field-error.js";
import { validateKind } from "./rules/index.js";

export type FieldValidationMode = "Strict" | "Warn" | "Ignore";

/** What the body is for: the wording of decode errors differs between create/update, patch and apply. */
export type WriteOperation = "create" | "update" | "patch" | "apply";

export type ValidationIssue =
  | { type: "UnknownField"; field: string; message: string }
  | { type: "DecodeError"; field?: string; message: string }
  | FieldError;

export interface ValidationResult {
  /** Everything that fails the request (empty when it may proceed). */
  errors: ValidationIssue[];
  /** `Warning` header texts (Warn mode), e.g. `unknown field "spec.foo"`. */
  warnings: string[];
  /** The object as it would be stored: unknown fields removed. */
  object: JsonObject;
  /** The failure to return (400 BadRequest for decoding, 422 Invalid for field errors). */
  error?: SemanticError;
}

export interface ValidateOptions {
  operation?: WriteOperation;
  registry?: SchemaRegistry;
  /** Skip the semantic (422) checks, e.g. for status-subresource writes. */
  skipSemantic?: boolean;
}

function objectName(obj: JsonObject): { name: string; namespace: string } {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  return {
    name: typeof meta.name === "string" ? meta.name : typeof meta.generateName === "string" ? meta.generateName : "",
    namespace: typeof meta.namespace === "string" ? meta.namespace : "",
  };
}

/** errors.NewInvalid: `Deployment.apps "web" is invalid: <aggregate>`, details.kind = Kind. */
export function invalidError(gvk: GroupVersionKind, name: string, errors: FieldError[]): SemanticError {
  const gk = groupKindString(gvk);
  const message = errors.length === 0 ? `${gk} ${JSON.stringify(name)} is invalid` : `${gk} ${JSON.stringify(name)} is invalid: ${aggregate(errors)}`;
  return new SemanticError(422, "Invalid", message, {
    name,
    group: gvk.group,
    kind: gvk.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
  });
}

function decodeFailure(gvk: GroupVersionKind, operation: WriteOperation, text: string): SemanticError {
  if (operation === "create" || operation === "update") {
    return new SemanticError(400, "BadRequest", `${gvk.kind} in version ${JSON.stringify(gvk.version)} cannot be handled as a ${gvk.kind}: ${text}`);
  }
  return new SemanticError(400, "BadRequest", text);
}

export function validateObject(gvk: GroupVersionKind, obj: unknown, mode: FieldValidationMode, options: ValidateOptions = {}): ValidationResult {
  const registry = options.registry ?? defaultRegistry;
  const operation = options.operation ?? "create";
  const input: JsonObject = isObject(obj) ? obj : {};
  const schema = registry.schemaFor(gvk);
  const result: ValidationResult = { errors: [], warnings: [], object: input };
  if (!schema) return result;
  const custom = !registry.isBuiltin(gvk);
  const decoded = decodeAgainst(input, schema, custom);
  result.object = decoded.value as JsonObject;
  const { name, namespace } = objectName(input);

  if (decoded.decodeError) {
    result.errors.push({ type: "DecodeError", message: decoded.decodeError });
    result.error = decodeFailure(gvk, operation, decoded.decodeError);
    return result;
  }
  const unknown = decoded.unknown.map((field) => ({ type: "UnknownField" as const, field, message: `unknown field ${JSON.stringify(field)}` }));
  if (unknown.length > 0 && mode === "Strict") {
    result.errors.push(...unknown);
    if (operation === "apply") {
      const paths = decoded.unknownApply.map((p) => `${p}: field not declared in schema`);
      const detail = paths.length === 1 ? (paths[0] ?? "") : ["errors:", ...paths.map((p) => `  ${p}`)].join("\n");
      const where = `${namespace ? `${namespace}/` : ""}${name}; ${apiVersionOf(gvk)}, Kind=${gvk.kind}`;
      result.error = new SemanticError(400, "BadRequest", `failed to create typed patch object (${where}): ${detail}`);
    } else {
      result.error = decodeFailure(gvk, operation, `strict decoding error: ${unknown.map((u) => u.message).join(", ")}`);
    }
    return result;
  }
  if (mode === "Warn") result.warnings.push(...unknown.map((u) => u.message));

  const fieldErrors = [...decoded.fieldErrors, ...(options.skipSemantic ? [] : validateKind(gvk, result.object))];
  if (fieldErrors.length > 0) {
    result.errors.push(...fieldErrors);
    result.error = invalidError(gvk, name, fieldErrors);
  }
  return result;
}
