/**
 * The resources the emulated cluster serves: the built-in kinds plus custom resources registered from
 * CustomResourceDefinitions. Discovery, OpenAPI, routing and the store all read this registry.
 */

import type { ResourceRef } from "../store/types.js";

export interface SubresourceInfo {
  name: string;
  /** Kind of the subresource's body (`Scale` in group autoscaling for `/scale`). */
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, lower-case (`deployments`). */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
  /** DELETE that removes the object at once answers with the object rather than a Status. */
  returnDeletedObject: boolean;
  /** metadata.generation is maintained (bumped on spec changes). */
  generation: boolean;
  /** Served from a CustomResourceDefinition. */
  custom: boolean;
  /** CRD additionalPrinterColumns (custom resources only). */
  printerColumns?: PrinterColumn[];
  /** CRD openAPIV3Schema of the served version (custom resources only). */
  schema?: Record<string, unknown>;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const STATUS: SubresourceInfo = { name: "status", kind: "", verbs: ["get", "patch", "update"] };
const SCALE: SubresourceInfo = { name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] };

interface BuiltinSpec {
  gv: string;
  resource: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  returnDeletedObject?: boolean;
  generation?: boolean;
  verbs?: string[];
}

const BUILTINS: BuiltinSpec[] = [
  { gv: "v1", resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"], subresources: [STATUS, { name: "finalize", kind: "", verbs: ["update"] }], returnDeletedObject: true, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
  {
    gv: "v1",
    resource: "pods",
    kind: "Pod",
    shortNames: ["po"],
    categories: ["all"],
    returnDeletedObject: true,
    subresources: [
      { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      { name: "exec", kind: "PodExecOptions", verbs: ["create", "get"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
      STATUS,
    ],
  },
  { gv: "v1", resource: "services", kind: "Service", shortNames: ["svc"], categories: ["all"], subresources: [STATUS], returnDeletedObject: true },
  { gv: "v1", resource: "configmaps", kind: "ConfigMap", shortNames: ["cm"] },
  { gv: "v1", resource: "secrets", kind: "Secret" },
  { gv: "v1", resource: "serviceaccounts", kind: "ServiceAccount", shortNames: ["sa"] },
  { gv: "v1", resource: "events", kind: "Event", shortNames: ["ev"] },
  { gv: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", shortNames: ["pvc"], subresources: [STATUS], returnDeletedObject: true },
  { gv: "v1", resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"], subresources: [STATUS], returnDeletedObject: true },
  { gv: "apps/v1", resource: "deployments", kind: "Deployment", shortNames: ["deploy"], categories: ["all"], subresources: [SCALE, STATUS], generation: true },
  { gv: "apps/v1", resource: "replicasets", kind: "ReplicaSet", shortNames: ["rs"], categories: ["all"], subresources: [SCALE, STATUS], generation: true },
  { gv: "apps/v1", resource: "statefulsets", kind: "StatefulSet", shortNames: ["sts"], categories: ["all"], subresources: [SCALE, STATUS], generation: true },
  { gv: "apps/v1", resource: "daemonsets", kind: "DaemonSet", shortNames: ["ds"], categories: ["all"], subresources: [STATUS], generation: true },
  { gv: "batch/v1", resource: "jobs", kind: "Job", categories: ["all"], subresources: [STATUS], generation: true },
  { gv: "batch/v1", resource: "cronjobs", kind: "CronJob", shortNames: ["cj"], categories: ["all"], subresources: [STATUS], generation: true },
  { gv: "networking.k8s.io/v1", resource: "ingresses", kind: "Ingress", shortNames: ["ing"], subresources: [STATUS], generation: true },
  { gv: "apiextensions.k8s.io/v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false, shortNames: ["crd", "crds"], categories: ["api-extensions"], subresources: [STATUS], generation: true },
];

function builtin(spec: BuiltinSpec): ResourceInfo {
  const slash = spec.gv.indexOf("/");
  return {
    group: slash < 0 ? "" : spec.gv.slice(0, slash),
    version: slash < 0 ? spec.gv : spec.gv.slice(slash + 1),
    resource: spec.resource,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    verbs: spec.verbs ?? ALL_VERBS,
    subresources: spec.subresources ?? [],
    returnDeletedObject: spec.returnDeletedObject ?? false,
    generation: spec.generation ?? false,
    custom: false,
  };
}

export function resourceKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

export function refOf(info: ResourceInfo): ResourceRef {
  return { group: info.group, version: info.version, resource: info.resource };
}

export class ResourceRegistry {
  readonly #byResource = new Map<string, ResourceInfo>();
  readonly #byKind = new Map<string, ResourceInfo>();
  #generation = 0;

  constructor() {
    for (const spec of BUILTINS) this.add(builtin(spec));
  }

  /** Bumped on every change, so caches (discovery documents) know when to rebuild. */
  get generation(): number {
    return this.#generation;
  }

  add(info: ResourceInfo): void {
    this.#byResource.set(`${info.group}/${info.version}/${info.resource}`, info);
    this.#byKind.set(`${apiVersionOf(info)}/${info.kind}`, info);
    this.#generation++;
  }

  remove(group: string, version: string, resource: string): void {
    const info = this.#byResource.get(`${group}/${version}/${resource}`);
    if (!info) return;
    this.#byResource.delete(`${group}/${version}/${resource}`);
    this.#byKind.delete(`${apiVersionOf(info)}/${info.kind}`);
    this.#generation++;
  }

  lookup(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.#byResource.get(`${group}/${version}/${resource}`);
  }

  byKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.#byKind.get(`${apiVersion}/${kind}`);
  }

  /** Resource of a ref, ignoring the version when the exact one is not served. */
  forRef(ref: ResourceRef): ResourceInfo | undefined {
    return this.lookup(ref.group, ref.version, ref.resource) ?? this.all().find((r) => r.group === ref.group && r.resource === ref.resource);
  }

  all(): ResourceInfo[] {
    return [...this.#byResource.values()];
  }

  /** Served group-versions, core first, then groups in registration order. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.#byResource.values()) {
      const key = apiVersionOf(r);
      if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version });
    }
    return [...seen.values()];
  }

  inGroupVersion(group: string, version: string): ResourceInfo[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }
}

interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: unknown; scale?: unknown };
  additionalPrinterColumns?: PrinterColumn[];
}

/** ResourceInfos a CustomResourceDefinition serves (one per served version). */
export function resourcesOfCrd(crd: Record<string, unknown>): ResourceInfo[] {
  const spec = (crd["spec"] ?? {}) as {
    group?: string;
    scope?: string;
    names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions?: CrdVersion[];
  };
  const names = spec.names ?? {};
  if (!spec.group || !names.plural || !names.kind) return [];
  return (spec.versions ?? [])
    .filter((v) => v.served !== false && v.name)
    .map((v) => {
      const subresources: SubresourceInfo[] = [];
      if (v.subresources?.scale) subresources.push(SCALE);
      if (v.subresources?.status) subresources.push(STATUS);
      const info: ResourceInfo = {
        group: spec.group as string,
        version: v.name as string,
        resource: names.plural as string,
        kind: names.kind as string,
        listKind: names.listKind ?? `${names.kind}List`,
        singular: names.singular ?? (names.kind as string).toLowerCase(),
        namespaced: spec.scope !== "Cluster",
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        verbs: ALL_VERBS,
        subresources,
        returnDeletedObject: false,
        generation: true,
        custom: true,
      };
      if (v.additionalPrinterColumns) info.printerColumns = v.additionalPrinterColumns;
      if (v.schema?.openAPIV3Schema) info.schema = v.schema.openAPIV3Schema;
      return info;
    });
}
