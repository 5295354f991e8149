/** Validation of the core/v1 kinds other than Pod, and of CRDs. */

import { isObject, type JsonObject } from "../../json.js";
import { duplicate, invalid, notSupported, required, type FieldError } from "../field-error.js";
import { isConfigMapKey, isDNS1035Label } from "../names.js";

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

export function validateServiceSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const type = spec.type ?? "ClusterIP";
  if (!["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"].includes(String(type))) {
    errs.push(notSupported(`${field}.type`, type, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]));
  }
  const ports = list(spec.ports);
  if (type === "ExternalName") {
    if (typeof spec.externalName !== "string" || !spec.externalName) errs.push(required(`${field}.externalName`));
  } else if (ports.length === 0 && spec.clusterIP !== "None") {
    errs.push(required(`${field}.ports`));
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `${field}.ports[${i}]`;
    const name = typeof port.name === "string" ? port.name : "";
    if (ports.length > 1 && !name) errs.push(required(`${p}.name`));
    if (name) {
      for (const msg of isDNS1035Label(name)) errs.push(invalid(`${p}.name`, name, msg));
      if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
      names.add(name);
    }
    if (typeof port.port !== "number" || port.port < 1 || port.port > 65535) {
      errs.push(invalid(`${p}.port`, port.port ?? 0, "must be between 1 and 65535, inclusive"));
    }
    if (port.protocol !== undefined && !["SCTP", "TCP", "UDP"].includes(String(port.protocol))) errs.push(notSupported(`${p}.protocol`, port.protocol, ["SCTP", "TCP", "UDP"]));
    if (typeof port.targetPort === "number" && (port.targetPort < 1 || port.targetPort > 65535)) {
      errs.push(invalid(`${p}.targetPort`, port.targetPort, "must be between 1 and 65535, inclusive"));
    }
  });
  if (spec.sessionAffinity !== undefined && spec.sessionAffinity !== "ClientIP" && spec.sessionAffinity !== "None") {
    errs.push(notSupported(`${field}.sessionAffinity`, spec.sessionAffinity, ["ClientIP", "None"]));
  }
  return errs;
}

export function validateDataKeys(object: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const section of ["data", "binaryData", "stringData"]) {
    for (const key of Object.keys(obj(object[section]))) {
      for (const msg of isConfigMapKey(key)) errs.push(invalid(`${section}[${key}]`, key, msg));
      if (section !== "stringData" && seen.has(key)) errs.push(duplicate(`${section}[${key}]`, key));
      seen.add(key);
    }
  }
  return errs;
}

export function validatePersistentVolumeClaimSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) {
    errs.push(required(`${field}.accessModes`, "at least 1 access mode is required"));
  }
  const requests = obj(obj(spec.resources).requests);
  if (requests.storage === undefined && spec.dataSource === undefined) errs.push(required(`${field}.resources[storage]`));
  return errs;
}

export function validateCustomResourceDefinition(crd: JsonObject): FieldError[] {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const errs: FieldError[] = [];
  const name = obj(crd.metadata).name;
  if (typeof names.plural === "string" && typeof spec.group === "string" && name !== `${names.plural}.${spec.group}`) {
    errs.push(invalid("metadata.name", name ?? "", "must be spec.names.plural+\".\"+spec.group"));
  }
  if (!spec.group) errs.push(required("spec.group"));
  if (!names.plural) errs.push(required("spec.names.plural"));
  if (!names.kind) errs.push(required("spec.names.kind"));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") errs.push(notSupported("spec.scope", spec.scope ?? "", ["Cluster", "Namespaced"]));
  const versions = list(spec.versions);
  if (versions.length === 0) errs.push(required("spec.versions", "must have exactly one version marked as storage version"));
  else if (versions.filter((v) => v.storage === true).length !== 1) errs.push(invalid("spec.versions", goVersions(versions), "must have exactly one version marked as storage version"));
  return errs;
}

function goVersions(versions: JsonObject[]): string {
  return versions.map((v) => String(v.name)).join(",");
}
