/**
 * Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and field selectors (`f=v,g!=w`) as the
 * apiserver parses them. Field selectors accept only the fields the apiserver indexes per resource;
 * others are rejected with its wording (`field label not supported: spec.foo`).
 */

import { badRequest } from "./errors.js";
import type { KubeObject } from "./types.js";

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;
export type FieldMatcher = (obj: KubeObject) => boolean;

interface Requirement {
  key: string;
  op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  values: string[];
}

function parseRequirements(selector: string): Requirement[] {
  const out: Requirement[] = [];
  let i = 0;
  const s = selector;
  const skipSpace = () => {
    while (i < s.length && s[i] === " ") i++;
  };
  const readToken = (): string => {
    skipSpace();
    const start = i;
    while (i < s.length && !" ,=!()".includes(s[i] as string)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipSpace();
    if (i >= s.length) break;
    if (s[i] === "!") {
      i++;
      const key = readToken();
      if (!key) throw badRequest(`unable to parse requirement: found '${s.slice(i)}', expected: identifier`);
      out.push({ key, op: "!exists", values: [] });
    } else {
      const key = readToken();
      if (!key) throw badRequest(`unable to parse requirement: found '${s.slice(i)}', expected: identifier`);
      skipSpace();
      const rest = s.slice(i);
      if (rest.startsWith("==") || rest.startsWith("!=") || rest.startsWith("=")) {
        const op = rest.startsWith("!=") ? "!=" : "=";
        i += rest.startsWith("=") && !rest.startsWith("==") ? 1 : 2;
        const value = readToken();
        out.push({ key, op, values: [value] });
      } else if (/^(in|notin)\s*\(/.test(rest)) {
        const op = rest.startsWith("in") ? "in" : "notin";
        i = s.indexOf("(", i) + 1;
        const close = s.indexOf(")", i);
        if (close < 0) throw badRequest(`unable to parse requirement: found '', expected: ')'`);
        const values = s.slice(i, close).split(",").map((v) => v.trim()).filter((v) => v.length > 0);
        i = close + 1;
        out.push({ key, op, values });
      } else {
        out.push({ key, op: "exists", values: [] });
      }
    }
    skipSpace();
    if (i < s.length) {
      if (s[i] !== ",") throw badRequest(`unable to parse requirement: found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return out;
}

export function parseLabelSelector(selector: string | undefined): LabelMatcher | undefined {
  if (!selector || selector.trim() === "") return undefined;
  const reqs = parseRequirements(selector);
  return (labels) => {
    const l = labels ?? {};
    for (const r of reqs) {
      const has = Object.hasOwn(l, r.key);
      const v = l[r.key];
      switch (r.op) {
        case "=":
          if (!has || v !== r.values[0]) return false;
          break;
        case "!=":
          if (has && v === r.values[0]) return false;
          break;
        case "in":
          if (!has || !r.values.includes(v as string)) return false;
          break;
        case "notin":
          if (has && r.values.includes(v as string)) return false;
          break;
        case "exists":
          if (!has) return false;
          break;
        case "!exists":
          if (has) return false;
          break;
      }
    }
    return true;
  };
}

/** Field getters per resource, beyond metadata.name and metadata.namespace (pkg/registry/.../strategy.go). */
const FIELDS: Record<string, Record<string, (o: KubeObject) => unknown>> = {
  pods: {
    "spec.nodeName": (o) => spec(o).nodeName ?? "",
    "spec.restartPolicy": (o) => spec(o).restartPolicy ?? "",
    "spec.schedulerName": (o) => spec(o).schedulerName ?? "",
    "spec.serviceAccountName": (o) => spec(o).serviceAccountName ?? "",
    "spec.hostNetwork": (o) => String(spec(o).hostNetwork === true),
    "status.phase": (o) => status(o).phase ?? "",
    "status.podIP": (o) => status(o).podIP ?? "",
    "status.nominatedNodeName": (o) => status(o).nominatedNodeName ?? "",
  },
  events: {
    "involvedObject.kind": (o) => involved(o).kind ?? "",
    "involvedObject.namespace": (o) => involved(o).namespace ?? "",
    "involvedObject.name": (o) => involved(o).name ?? "",
    "involvedObject.uid": (o) => involved(o).uid ?? "",
    "involvedObject.apiVersion": (o) => involved(o).apiVersion ?? "",
    "involvedObject.resourceVersion": (o) => involved(o).resourceVersion ?? "",
    "involvedObject.fieldPath": (o) => involved(o).fieldPath ?? "",
    reason: (o) => o["reason"] ?? "",
    reportingComponent: (o) => o["reportingComponent"] ?? "",
    type: (o) => o["type"] ?? "",
    "source": (o) => (o["source"] as { component?: string } | undefined)?.component ?? "",
  },
  secrets: { type: (o) => o["type"] ?? "" },
  namespaces: { "status.phase": (o) => status(o).phase ?? "" },
  nodes: { "spec.unschedulable": (o) => String(spec(o).unschedulable === true) },
  jobs: { "status.successful": (o) => String(status(o).succeeded ?? 0) },
  replicasets: { "status.replicas": (o) => String(status(o).replicas ?? 0) },
  replicationcontrollers: { "status.replicas": (o) => String(status(o).replicas ?? 0) },
};

function spec(o: KubeObject): Record<string, unknown> {
  return (o["spec"] ?? {}) as Record<string, unknown>;
}
function status(o: KubeObject): Record<string, unknown> {
  return (o["status"] ?? {}) as Record<string, unknown>;
}
function involved(o: KubeObject): Record<string, unknown> {
  return (o["involvedObject"] ?? {}) as Record<string, unknown>;
}

export interface ParsedFieldSelector {
  match: FieldMatcher;
  /** The metadata.name the selector pins, so lookups can skip a scan (`kubectl wait` / `rollout status`). */
  name?: string;
  namespace?: string;
}

export function parseFieldSelector(resource: string, selector: string | undefined): ParsedFieldSelector | undefined {
  if (!selector || selector.trim() === "") return undefined;
  const terms: { get: (o: KubeObject) => unknown; neg: boolean; value: string; field: string }[] = [];
  for (const raw of selector.split(",")) {
    const term = raw.trim();
    if (term === "") continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1] as string;
    const get =
      field === "metadata.name"
        ? (o: KubeObject) => o.metadata.name ?? ""
        : field === "metadata.namespace"
          ? (o: KubeObject) => o.metadata.namespace ?? ""
          : FIELDS[resource]?.[field];
    if (!get) throw badRequest(`field label not supported: ${field}`);
    terms.push({ get, neg: m[2] === "!=", value: m[3] as string, field });
  }
  const parsed: ParsedFieldSelector = { match: (o) => terms.every((t) => (String(t.get(o)) === t.value) !== t.neg) };
  const name = terms.find((t) => t.field === "metadata.name" && !t.neg);
  if (name) parsed.name = name.value;
  const ns = terms.find((t) => t.field === "metadata.namespace" && !t.neg);
  if (ns) parsed.namespace = ns.value;
  return parsed;
}
