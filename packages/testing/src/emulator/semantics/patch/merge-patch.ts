/** RFC 7386 JSON merge patch (`application/merge-patch+json`). */

import { deepClone, isObject, type JsonObject } from "../json.js";

export function jsonMergePatch<T = unknown>(original: unknown, patch: unknown): T {
  if (!isObject(patch)) return deepClone(patch) as T;
  const target: JsonObject = isObject(original) ? deepClone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else target[key] = jsonMergePatch(target[key], value);
  }
  return target as T;
}
