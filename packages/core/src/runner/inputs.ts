/**
 * Flow inputs from the command line: `--input key=value` (repeatable, dotted keys for nesting)
 * and `--inputs file.json|yaml`. Values are typed by the flow's zod schema (through its JSON Schema):
 * numbers, booleans, arrays (JSON or comma-separated) and objects (JSON) are converted; zod then
 * validates the whole object and reports every bad path.
 */
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { inputsJSONSchema } from "../graph/json.js";
import { CapstanError } from "../errors.js";

type JSONSchema = { type?: string | string[]; properties?: Record<string, JSONSchema>; items?: JSONSchema; anyOf?: JSONSchema[]; oneOf?: JSONSchema[]; enum?: unknown[]; const?: unknown; description?: string; default?: unknown; required?: string[] };

/** `--services file`: integration settings for a run (see each integration's docs for its key). */
export async function loadServices(file: string): Promise<Record<string, unknown>> {
  const data = await readObjectFile(file, "--services");
  return data;
}

async function readObjectFile(file: string, flag: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw usage(`${flag} ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "pass a path to a JSON or YAML file");
  }
  let data: unknown;
  // The YAML parser is loaded when a file needs it, not with @capstan/core (docs/performance.md).
  const parse: (text: string) => unknown = file.endsWith(".json") ? JSON.parse : (await import("yaml")).parse;
  try {
    data = parse(text);
  } catch (e) {
    throw usage(`${flag} ${file}: not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}`, "fix the file's syntax");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw usage(`${flag} ${file}: the file must hold an object`, "e.g. `namespace: prod`");
  return data as Record<string, unknown>;
}

export async function loadInputs(schema: z.ZodType | undefined, pairs: readonly string[], files: readonly string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const file of files) Object.assign(out, await readObjectFile(file, "--inputs"));
  const root = schema ? (inputsJSONSchema(schema) as JSONSchema) : undefined;
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usage(`--input ${pair}: expected key=value`, "e.g. --input namespace=prod --input replicas=3");
    const path = pair.slice(0, eq).split(".");
    const raw = pair.slice(eq + 1);
    setPath(out, path, coerce(raw, schemaAt(root, path)));
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    cur = (typeof next === "object" && next !== null ? next : (cur[key] = {})) as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function schemaAt(schema: JSONSchema | undefined, path: string[]): JSONSchema | undefined {
  let cur = schema;
  for (const key of path) {
    cur = unwrap(cur)?.properties?.[key];
    if (!cur) return undefined;
  }
  return unwrap(cur);
}

/** Optional/nullable fields come as anyOf [T, null]: look through to T. */
function unwrap(s: JSONSchema | undefined): JSONSchema | undefined {
  const alts = s?.anyOf ?? s?.oneOf;
  if (!alts) return s;
  return alts.find((a) => a.type !== "null") ?? s;
}

function types(s: JSONSchema | undefined): string[] {
  if (!s) return [];
  if (s.type) return Array.isArray(s.type) ? s.type : [s.type];
  if (s.enum) return [...new Set(s.enum.map((v) => typeof v))];
  if (s.const !== undefined) return [typeof s.const];
  return [];
}

export function coerce(raw: string, s: JSONSchema | undefined): unknown {
  const t = types(s);
  if (t.includes("string")) return raw;
  if (t.includes("number") || t.includes("integer")) {
    const n = Number(raw);
    return raw.trim() !== "" && !Number.isNaN(n) ? n : raw;
  }
  if (t.includes("boolean")) {
    if (/^(true|yes|1|on)$/i.test(raw)) return true;
    if (/^(false|no|0|off)$/i.test(raw)) return false;
    return raw;
  }
  if (t.includes("array")) {
    if (raw.trim().startsWith("[")) return tryJSON(raw);
    return raw === "" ? [] : raw.split(",").map((part) => coerce(part.trim(), unwrap(s?.items)));
  }
  if (t.includes("object")) return tryJSON(raw);
  // No schema for this key: take JSON literals (numbers, booleans, arrays) as such, anything else as text.
  return s === undefined && /^(-?\d+(\.\d+)?|true|false|null|\[.*\]|\{.*\})$/s.test(raw.trim()) ? tryJSON(raw) : raw;
}

function tryJSON(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Rows for `--help`: every input with its type, whether it is required, its default and description. */
export function describeInputs(schema: z.ZodType | undefined): { name: string; type: string; required: boolean; default?: unknown; description?: string }[] {
  if (!schema) return [];
  const root = unwrap(inputsJSONSchema(schema) as JSONSchema);
  const required = new Set(root?.required ?? []);
  return Object.entries(root?.properties ?? {}).map(([name, raw]) => {
    const s = unwrap(raw)!;
    const row: { name: string; type: string; required: boolean; default?: unknown; description?: string } = { name, type: typeName(s), required: required.has(name) && raw.default === undefined };
    if (raw.default !== undefined) row.default = raw.default;
    const description = raw.description ?? s.description;
    if (description) row.description = description;
    return row;
  });
}

function typeName(s: JSONSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const t = types(s);
  if (t.includes("array")) return `${s.items ? typeName(unwrap(s.items)!) : "unknown"}[]`;
  return t.join(" | ") || "any";
}

function usage(message: string, hint: string): CapstanError {
  return new CapstanError("CAPSTAN_USAGE", message, { hint, retryable: false });
}
