/**
 * Manifests: objects, or YAML/JSON text with several documents. Parsed and checked (apiVersion,
 * kind, metadata.name on every document) before any cluster is touched; errors name the document.
 */
import { yaml } from "./client/client-node.js";
import { CapstanError } from "@capstan/core";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

export type Manifest = string | Record<string, unknown> | readonly Record<string, unknown>[];

export function parseManifest(manifest: Manifest, where = "manifest"): KubeObject[] {
  const docs: { value: unknown; label: string }[] = [];
  if (typeof manifest === "string") {
    const parsed = yaml().parseAllDocuments(manifest);
    parsed.forEach((doc, i) => {
      const label = parsed.length > 1 ? `${where} document ${i + 1}` : where;
      if (doc.errors.length) throw invalid(`${label} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
      const value: unknown = doc.toJS();
      if (value !== null && value !== undefined) docs.push({ value, label });
    });
  } else if (Array.isArray(manifest)) {
    manifest.forEach((value, i) => docs.push({ value, label: `${where}[${i}]` }));
  } else {
    docs.push({ value: manifest, label: where });
  }
  const out: KubeObject[] = [];
  for (const { value, label } of docs) {
    // A List (kubectl get -o yaml) holds its objects in items.
    if (isObject(value) && typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) {
      out.push(...parseManifest(value.items as Record<string, unknown>[], `${label}.items`));
      continue;
    }
    out.push(check(value, label));
  }
  if (!out.length) throw invalid(`${where} holds no objects`);
  return out;
}

function check(value: unknown, label: string): KubeObject {
  if (!isObject(value)) throw invalid(`${label} is not an object (got ${Array.isArray(value) ? "a list" : typeof value})`);
  const missing = ["apiVersion", "kind"].filter((k) => typeof value[k] !== "string" || !value[k]);
  const meta = value.metadata;
  if (!isObject(meta) || (typeof meta.name !== "string" && typeof meta.generateName !== "string")) missing.push("metadata.name");
  if (missing.length) throw invalid(`${label}${typeof value.kind === "string" ? ` (${value.kind})` : ""} is missing ${missing.join(", ")}`);
  return value as KubeObject;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(message: string): CapstanError {
  return new CapstanError("CAPSTAN_K8S_MANIFEST_INVALID", message, { hint: "every object needs apiVersion, kind and metadata.name", retryable: false });
}

export function describeObject(o: { kind: string; metadata: { name?: string; namespace?: string } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name ?? "(generated)"}`;
}
