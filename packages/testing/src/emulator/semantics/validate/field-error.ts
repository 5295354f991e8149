/**
 * apimachinery's `field.Error`: a typed error on one field path, rendered exactly like
 * `(*field.Error).Error()` so aggregated messages match the apiserver's
 * (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`).
 */

import { isObject } from "../json.js";

export type FieldErrorType =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueNotFound";

const LABEL: Record<FieldErrorType, string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueNotFound: "Not found",
};

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** `ErrorBody()`: the message without the field path (what goes in a Status cause). */
  body: string;
  /** `Error()`: `<field>: <body>`. */
  message: string;
}

/** A Go value as `%#v` would print it; `goType` names the Go type for maps/structs when known. */
export class GoValue {
  constructor(readonly text: string) {}
}

/** `map[string]string{"a":"b"}` (Go %#v of a string map; nil maps print as `map[string]string(nil)`). */
export function goStringMap(value: unknown): GoValue {
  if (!isObject(value)) return new GoValue("map[string]string(nil)");
  const entries = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(value[k]))}`);
  return new GoValue(`map[string]string{${entries.join(", ")}}`);
}

/** `&v1.LabelSelector{...}` as the apps validation prints a selector. */
export function goLabelSelector(value: unknown): GoValue {
  const sel = isObject(value) ? value : {};
  const labels = isObject(sel.matchLabels) && Object.keys(sel.matchLabels).length > 0 ? goStringMap(sel.matchLabels).text : "map[string]string(nil)";
  const exprs = Array.isArray(sel.matchExpressions) && sel.matchExpressions.length > 0 ? `[]v1.LabelSelectorRequirement{...}` : "[]v1.LabelSelectorRequirement(nil)";
  return new GoValue(`v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`);
}

function renderValue(value: unknown): string {
  if (value instanceof GoValue) return value.text;
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function fieldError(type: FieldErrorType, field: string, value?: unknown, detail?: string): FieldError {
  let body: string;
  if (type === "FieldValueRequired" || type === "FieldValueForbidden" || type === "FieldValueTooLong") {
    body = LABEL[type];
  } else {
    body = `${LABEL[type]}: ${renderValue(value)}`;
  }
  if (detail) body += `: ${detail}`;
  return { type, field, body, message: `${field}: ${body}` };
}

export const required = (field: string, detail?: string): FieldError => fieldError("FieldValueRequired", field, undefined, detail);
export const invalid = (field: string, value: unknown, detail: string): FieldError => fieldError("FieldValueInvalid", field, value, detail);
export const duplicate = (field: string, value: unknown): FieldError => fieldError("FieldValueDuplicate", field, value);
export const forbidden = (field: string, detail: string): FieldError => fieldError("FieldValueForbidden", field, undefined, detail);
export const notFound = (field: string, value: unknown): FieldError => fieldError("FieldValueNotFound", field, value);
export const tooLong = (field: string, max: number): FieldError => fieldError("FieldValueTooLong", field, undefined, `may not be more than ${max} bytes`);

export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  return fieldError("FieldValueNotSupported", field, value, `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`);
}

/** utilerrors.NewAggregate(errs).Error(): one message, or `[a, b]`, duplicates removed. */
export function aggregate(errors: FieldError[]): string {
  const seen = [...new Set(errors.map((e) => e.message))];
  return seen.length === 1 ? (seen[0] ?? "") : `[${seen.join(", ")}]`;
}
