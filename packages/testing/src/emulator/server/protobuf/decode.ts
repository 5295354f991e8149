/**
 * Decodes `application/vnd.kubernetes.protobuf` request bodies (kubectl's typed clients send them,
 * e.g. `kubectl create namespace|deployment|configmap`) into the JSON objects the apiserver would
 * have decoded. Envelope: `k8s\0` + runtime.Unknown{typeMeta, raw}; raw is the kind's message.
 *
 * Go's protobuf marshaller writes every non-pointer field, zero or not, while JSON omits zero values
 * (`omitempty`); so zero scalars are dropped, except on the pointer fields where zero means something.
 */

import { badRequest } from "../../store/errors.js";
import { protoSchema } from "./schema.js";
import { fields, text, type WireField } from "./wire.js";

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const META = "k8s.io.apimachinery.pkg.apis.meta.v1";

/** Pointer fields whose zero value is meaningful (so it is kept). */
const KEEP_ZERO = new Set([
  "replicas", "parallelism", "completions", "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "terminationGracePeriodSeconds", "activeDeadlineSeconds",
  "revisionHistoryLimit", "successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds", "ttlSecondsAfterFinished", "partition",
  "progressDeadlineSeconds", "deletionGracePeriodSeconds", "automountServiceAccountToken", "suspend", "enableServiceLinks", "allowPrivilegeEscalation",
  "readOnlyRootFilesystem", "runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup", "privileged", "hostUsers", "shareProcessNamespace", "setHostnameAsFQDN", "immutable", "optional",
  "defaultMode", "mode", "controller", "blockOwnerDeletion", "allocateLoadBalancerNodePorts", "publishNotReadyAddresses", "stdin", "tty", "minAvailable", "maxUnavailable",
]);

export function isProtobufBody(buf: Uint8Array): boolean {
  return buf.length >= 4 && MAGIC.every((b, i) => buf[i] === b);
}

function packageOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const pkg = group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
  return `k8s.io.api.${pkg}.${version}`;
}

function scalar(type: number, f: WireField): unknown {
  const v = f.value;
  switch (type) {
    case 9:
      return text(v);
    case 12:
      return Buffer.from(v as Uint8Array).toString("base64");
    case 8:
      return v !== 0n;
    case 1: {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(v as bigint);
      return b.readDoubleLE(0);
    }
    case 2: {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Number(v));
      return b.readFloatLE(0);
    }
    case 5:
    case 17:
      return Number(BigInt.asIntN(32, v as bigint));
    default:
      return Number(BigInt.asIntN(64, v as bigint));
  }
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "");
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${iso}Z`;
}

function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h > 0 ? `${h}h` : ""}${h > 0 || m > 0 ? `${m}m` : ""}${Number(s.toFixed(9))}s`;
}

/** Decodes one message; undefined means "omit" (a zero Time). */
function decodeMessage(name: string, buf: Uint8Array): unknown {
  const schema = protoSchema();
  switch (name) {
    case `${META}.Time`:
    case `${META}.MicroTime`: {
      let seconds = 0;
      let nanos = 0;
      for (const f of fields(buf)) {
        if (f.no === 1) seconds = Number(BigInt.asIntN(64, f.value as bigint));
        if (f.no === 2) nanos = Number(f.value);
      }
      if (seconds === 0 && nanos === 0) return undefined;
      return rfc3339(seconds, nanos, name.endsWith("MicroTime"));
    }
    case `${META}.Duration`: {
      for (const f of fields(buf)) if (f.no === 1) return goDuration(Number(BigInt.asIntN(64, f.value as bigint)));
      return "0s";
    }
    case "k8s.io.apimachinery.pkg.api.resource.Quantity": {
      for (const f of fields(buf)) if (f.no === 1) return text(f.value);
      return "0";
    }
    case "k8s.io.apimachinery.pkg.util.intstr.IntOrString": {
      let type = 0;
      let intVal = 0;
      let strVal = "";
      for (const f of fields(buf)) {
        if (f.no === 1) type = Number(f.value);
        if (f.no === 2) intVal = Number(BigInt.asIntN(32, f.value as bigint));
        if (f.no === 3) strVal = text(f.value);
      }
      return type === 1 ? strVal : intVal;
    }
    case "k8s.io.apimachinery.pkg.runtime.RawExtension":
    case `${META}.FieldsV1`: {
      for (const f of fields(buf)) if (f.no === 1) return JSON.parse(text(f.value));
      return undefined;
    }
  }
  const msg = schema[name];
  if (!msg) throw badRequest(`unable to decode protobuf message ${name}`);
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const def = msg.fields[String(f.no)];
    if (!def) continue;
    const [field, type, typeName, repeated] = def;
    if (type === 11) {
      const sub = schema[typeName];
      if (sub?.map) {
        const map = (out[field] ??= {}) as Record<string, unknown>;
        let key = "";
        let value: unknown = "";
        for (const e of fields(f.value as Uint8Array)) {
          const ed = sub.fields[String(e.no)];
          if (!ed) continue;
          if (e.no === 1) key = String(scalar(ed[1], e));
          else value = ed[1] === 11 ? decodeMessage(ed[2], e.value as Uint8Array) : scalar(ed[1], e);
        }
        map[key] = value;
        continue;
      }
      const value = decodeMessage(typeName, f.value as Uint8Array);
      if (repeated) ((out[field] ??= []) as unknown[]).push(value ?? null);
      else if (value !== undefined) out[field] = value;
      continue;
    }
    if (repeated) {
      const list = (out[field] ??= []) as unknown[];
      if (f.wire === 2 && type !== 9 && type !== 12) {
        // Packed repeated numbers.
        const packed = f.value as Uint8Array;
        let pos = 0;
        while (pos < packed.length) {
          let v = 0n;
          let shift = 0n;
          for (;;) {
            const b = packed[pos++] as number;
            v |= BigInt(b & 0x7f) << shift;
            if ((b & 0x80) === 0) break;
            shift += 7n;
          }
          list.push(scalar(type, { no: f.no, wire: 0, value: v }));
        }
      } else list.push(scalar(type, f));
      continue;
    }
    const value = scalar(type, f);
    if (isZero(value) && !KEEP_ZERO.has(field)) continue;
    out[field] = value;
  }
  return out;
}

/** Decodes a protobuf request body into a JSON object with apiVersion and kind. */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (!isProtobufBody(body)) throw badRequest("provided protobuf body is missing the k8s\\x00 prefix");
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array | undefined;
  for (const f of fields(body.subarray(4))) {
    if (f.no === 1) {
      for (const t of fields(f.value as Uint8Array)) {
        if (t.no === 1) apiVersion = text(t.value);
        if (t.no === 2) kind = text(t.value);
      }
    } else if (f.no === 2) raw = f.value as Uint8Array;
  }
  if (!kind || !raw) throw badRequest("protobuf body has no type information");
  const decoded = decodeMessage(`${packageOf(apiVersion)}.${kind}`, raw) as Record<string, unknown>;
  return { apiVersion, kind, ...decoded };
}
