/**
 * The decoding half of validation: walks a request body against the kind's schema the way the
 * apiserver's strict JSON decoder does. It reports unknown fields (with the decoder's path syntax,
 * `spec.template.spec.containers[0].foo`), wrong JSON types (Go's `json: cannot unmarshal ...` text for
 * built-ins, CRD schema errors for custom kinds) and bad base64, and returns the body with unknown
 * fields pruned, which is what the apiserver stores.
 */

import { isObject, type JsonObject } from "../json.js";
import type { ObjectSchema, ScalarSchema, Schema } from "../schema/types.js";
import { fieldError, invalid, notSupported, required, type FieldError } from "./field-error.js";

export interface DecodeResult {
  value: unknown;
  /** Decoder paths of unknown fields (`spec.foo`). */
  unknown: string[];
  /** SSA paths of unknown fields (`.spec.foo`). */
  unknownApply: string[];
  /** First Go decode error text (built-in kinds): the request fails with 400. */
  decodeError?: string;
  /** Schema violations of custom kinds: the request fails with 422. */
  fieldErrors: FieldError[];
}

interface Ctx {
  custom: boolean;
  result: DecodeResult;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "object" : typeof v;
}

function goType(schema: Schema): string {
  switch (schema.type) {
    case "object":
      return `v1.${schema.goName ?? "Object"}`;
    case "list":
      return `[]${goType(schema.items)}`;
    case "map":
      return `map[string]${goType(schema.values)}`;
    case "any":
      return "interface {}";
    case "scalar":
      if (schema.intOrString) return "intstr.IntOrString";
      if (schema.format === "quantity") return "resource.Quantity";
      if (schema.format === "date-time") return "v1.Time";
      if (schema.scalar === "integer") return schema.format === "int64" ? "int64" : "int32";
      if (schema.scalar === "number") return "float64";
      return schema.scalar === "boolean" ? "bool" : "string";
  }
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

function base64Error(s: string): string | undefined {
  const bad = s.search(/[^A-Za-z0-9+/=\r\n]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  const clean = s.replace(/[\r\n]/g, "");
  const pad = clean.indexOf("=");
  if (pad >= 0 && !/^={1,2}$/.test(clean.slice(pad))) return `illegal base64 data at input byte ${pad}`;
  if (clean.length % 4 !== 0) return `illegal base64 data at input byte ${clean.length - (clean.length % 4)}`;
  return undefined;
}

/** CRD (OpenAPI) type name of a JSON value, as apiextensions validation prints it. */
function openapiKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v === "object" ? "object" : typeof v;
}

class Walker {
  constructor(private readonly ctx: Ctx) {}

  private typeError(value: unknown, schema: Schema, path: string, goPath: string, struct: string | undefined): void {
    if (this.ctx.custom) {
      const expected = schema.type === "scalar" ? schema.scalar : schema.type === "list" ? "array" : "object";
      this.ctx.result.fieldErrors.push(invalid(path, openapiKind(value), `${path} in body must be of type ${expected}: ${JSON.stringify(openapiKind(value))}`));
      return;
    }
    if (this.ctx.result.decodeError) return;
    const what = typeof value === "number" && schema.type === "scalar" && schema.scalar === "integer" ? `number ${value}` : jsonKind(value);
    const where = struct ? `Go struct field ${struct}.${goPath}` : "Go value";
    this.ctx.result.decodeError = `json: cannot unmarshal ${what} into ${where} of type ${goType(schema)}`;
  }

  walk(value: unknown, schema: Schema, path: string, applyPath: string, goPath: string, struct: string | undefined): unknown {
    if (value === null || value === undefined) return value;
    switch (schema.type) {
      case "any":
        return value;
      case "object":
        return this.object(value, schema, path, applyPath, goPath, struct);
      case "map": {
        if (!isObject(value)) {
          this.typeError(value, schema, path, goPath, struct);
          return value;
        }
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(value)) out[k] = this.walk(v, schema.values, `${path}[${k}]`, `${applyPath}.${k}`, goPath, struct);
        return out;
      }
      case "list": {
        if (!Array.isArray(value)) {
          this.typeError(value, schema, path, goPath, struct);
          return value;
        }
        return value.map((item, i) => this.walk(item, schema.items, `${path}[${i}]`, `${applyPath}[${i}]`, goPath, struct));
      }
      case "scalar":
        this.scalar(value, schema, path, goPath, struct);
        return value;
    }
  }

  private object(value: unknown, schema: ObjectSchema, path: string, applyPath: string, goPath: string, struct: string | undefined): unknown {
    if (!isObject(value)) {
      this.typeError(value, schema, path, goPath, struct);
      return value;
    }
    const out: JsonObject = {};
    const innerStruct = this.ctx.custom ? struct : (schema.goName ?? struct);
    for (const [key, child] of Object.entries(value)) {
      const prop = schema.properties[key];
      const childPath = path ? `${path}.${key}` : key;
      if (!prop) {
        if (schema.preserveUnknownFields) {
          out[key] = child;
        } else {
          this.ctx.result.unknown.push(childPath);
          this.ctx.result.unknownApply.push(`${applyPath}.${key}`);
        }
        continue;
      }
      out[key] = this.walk(child, prop, childPath, `${applyPath}.${key}`, goPath ? `${goPath}.${key}` : key, innerStruct);
    }
    if (this.ctx.custom) {
      for (const r of schema.required) {
        if (value[r] === undefined) this.ctx.result.fieldErrors.push(required(path ? `${path}.${r}` : r));
      }
    }
    return out;
  }

  private scalar(value: unknown, schema: ScalarSchema, path: string, goPath: string, struct: string | undefined): void {
    const t = typeof value;
    let ok: boolean;
    if (schema.intOrString) ok = t === "string" || (t === "number" && Number.isInteger(value));
    else if (schema.format === "quantity") ok = t === "string" || t === "number";
    else if (schema.scalar === "integer") ok = t === "number" && Number.isInteger(value);
    else if (schema.scalar === "number") ok = t === "number";
    else if (schema.scalar === "boolean") ok = t === "boolean";
    else ok = t === "string";
    if (!ok) {
      this.typeError(value, schema, path, goPath, struct);
      return;
    }
    if (!this.ctx.custom) {
      if (schema.format === "quantity" && typeof value === "string" && !QUANTITY.test(value) && !this.ctx.result.decodeError) {
        this.ctx.result.decodeError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
      }
      if (schema.format === "byte" && typeof value === "string" && !this.ctx.result.decodeError) {
        const err = base64Error(value);
        if (err) this.ctx.result.decodeError = err;
      }
      return;
    }
    this.constraints(value, schema, path);
  }

  /** The subset of CRD value validation we enforce, with apiextensions' messages. */
  private constraints(value: unknown, schema: ScalarSchema, path: string): void {
    const errs = this.ctx.result.fieldErrors;
    if (schema.enum && !schema.enum.some((e) => e === value)) {
      errs.push(notSupported(path, value, schema.enum.map((e) => String(e))));
    }
    if (typeof value === "number") {
      if (schema.minimum !== undefined && value < schema.minimum) errs.push(invalid(path, value, `${path} in body should be greater than or equal to ${schema.minimum}`));
      if (schema.maximum !== undefined && value > schema.maximum) errs.push(invalid(path, value, `${path} in body should be less than or equal to ${schema.maximum}`));
    }
    if (typeof value === "string") {
      if (schema.maxLength !== undefined && value.length > schema.maxLength) errs.push(fieldError("FieldValueTooLong", path, undefined, `may not be more than ${schema.maxLength} bytes`));
      if (schema.minLength !== undefined && value.length < schema.minLength) errs.push(invalid(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) errs.push(invalid(path, value, `${path} in body should match '${schema.pattern}'`));
    }
  }
}

export function decodeAgainst(value: unknown, schema: ObjectSchema, custom: boolean): DecodeResult {
  const result: DecodeResult = { value, unknown: [], unknownApply: [], fieldErrors: [] };
  const walker = new Walker({ custom, result });
  result.value = walker.walk(value, schema, "", "", "", undefined);
  return result;
}
