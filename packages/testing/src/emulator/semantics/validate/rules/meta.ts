/** `ValidateObjectMeta`: name/generateName, labels and annotations. */

import { isObject, type JsonObject } from "../../json.js";
import { invalid, required, type FieldError } from "../field-error.js";
import { isQualifiedName, isValidLabelValue } from "../names.js";

export type NameValidator = (name: string) => string[];

export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(field, k, msg));
    for (const msg of isValidLabelValue(String(v))) errs.push(invalid(field, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(annotations)) return errs;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(field, k, msg));
    size += k.length + String(v).length;
  }
  if (size > 256 * 1024) errs.push({ ...required(field), type: "FieldValueTooLong", body: `Too long: must have at most ${256 * 1024} bytes`, message: `${field}: Too long: must have at most ${256 * 1024} bytes` });
  return errs;
}

export function validateObjectMeta(metadata: unknown, nameFn: NameValidator, field = "metadata"): FieldError[] {
  const meta: JsonObject = isObject(metadata) ? metadata : {};
  const errs: FieldError[] = [];
  const name = typeof meta.name === "string" ? meta.name : "";
  const generateName = typeof meta.generateName === "string" ? meta.generateName : "";
  if (generateName) {
    for (const msg of nameFn(generateName.replace(/-$/, "a"))) errs.push(invalid(`${field}.generateName`, generateName, msg));
  }
  if (!name) {
    if (!generateName) errs.push(required(`${field}.name`, "name or generateName is required"));
  } else {
    for (const msg of nameFn(name)) errs.push(invalid(`${field}.name`, name, msg));
  }
  errs.push(...validateLabels(meta.labels, `${field}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${field}.annotations`));
  return errs;
}
