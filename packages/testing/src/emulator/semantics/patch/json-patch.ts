/**
 * RFC 6902 JSON patch (`application/json-patch+json`) via fast-json-patch, with the apiserver's error
 * mapping (research §3.6): undecodable → 400, too many operations → 413, any failing operation
 * (including `test`) → 422 with the generic message (the apiserver drops the jsonpatch text).
 */

import fastJsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { SemanticError, badRequest, genericUnprocessable } from "../errors.js";
import { deepClone, isObject } from "../json.js";

/** kube-apiserver's `maxJSONPatchOperations`. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

export class JsonPatchError extends SemanticError {
  /** The underlying jsonpatch failure (not sent to clients, useful in logs and tests). */
  readonly patchError: string;
  constructor(base: SemanticError, cause: string) {
    super(base.code, base.reason, base.message, base.details);
    this.name = "JsonPatchError";
    this.patchError = cause;
  }
}

function decode(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) {
    const kind = isObject(ops) ? "object" : ops === null ? "null" : typeof ops === "string" ? "string" : typeof ops === "number" ? "number" : "bool";
    throw badRequest(`json: cannot unmarshal ${kind} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (!isObject(op)) throw badRequest("json: cannot unmarshal non-object into Go value of type jsonpatch.Operation");
  }
  return ops as Operation[];
}

export function jsonPatch<T = unknown>(original: T, ops: unknown): T {
  const operations = decode(ops);
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new SemanticError(413, "RequestEntityTooLarge", `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`);
  }
  for (const op of operations) {
    const name = (op as { op?: unknown }).op;
    if (typeof name !== "string" || !OPS.has(name)) {
      throw new JsonPatchError(genericUnprocessable(), `Unexpected kind: ${String(name)}`);
    }
    if (typeof (op as { path?: unknown }).path !== "string") throw new JsonPatchError(genericUnprocessable(), `operation missing path`);
  }
  try {
    const result = fastJsonPatch.applyPatch(deepClone(original), operations, true, true, true);
    return result.newDocument;
  } catch (err) {
    throw new JsonPatchError(genericUnprocessable(), err instanceof Error ? err.message : String(err));
  }
}
