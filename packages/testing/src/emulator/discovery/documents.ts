/**
 * Discovery documents (research §2.2): legacy `APIVersions` / `APIGroupList` / `APIResourceList`, and
 * aggregated discovery (`APIGroupDiscoveryList`) in the version the client asks for. client-node
 * picks the first entry whose kind matches, so every resource is listed before its subresources.
 */

import { apiVersionOf, type ResourceInfo, type ResourceRegistry } from "./resources.js";

export type AggregatedVersion = "v2" | "v2beta1";

export function aggregatedContentType(version: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/**
 * Which aggregated discovery version an Accept header asks for (first acceptable entry wins), or
 * undefined for the legacy documents.
 */
export function negotiateAggregated(accept: string | undefined): AggregatedVersion | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(",")) {
    const params = new Map<string, string>();
    const [type, ...rest] = part.split(";");
    for (const p of rest) {
      const eq = p.indexOf("=");
      if (eq > 0) params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
    }
    const t = (type ?? "").trim();
    if (params.get("g") === "apidiscovery.k8s.io" && params.get("as") === "APIGroupDiscoveryList" && (t === "application/json" || t === "*/*")) {
      const v = params.get("v");
      if (v === "v2" || v === "v2beta1") return v;
      continue;
    }
    if (t === "application/json" || t === "*/*" || t === "application/*") return undefined;
  }
  return undefined;
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupsOf(registry: ResourceRegistry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { group, version } of registry.groupVersions()) {
    if (group === "") continue;
    const versions = groups.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    groups.set(group, versions);
  }
  return groups;
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = [...groupsOf(registry)].map(([name, versions]) => {
    const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: vs, preferredVersion: vs[0] };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const versions = groupsOf(registry).get(group);
  if (!versions) return undefined;
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const r of sortByName(resources)) {
    const entry: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length > 0) entry["shortNames"] = r.shortNames;
    if (r.categories.length > 0) entry["categories"] = r.categories;
    entry["storageVersionHash"] = storageVersionHash(r);
    out.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: "", namespaced: r.namespaced, kind: s.kind || r.kind, verbs: s.verbs };
      if (s.group) sub["group"] = s.group;
      if (s.version) sub["version"] = s.version;
      out.push(sub);
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources: out };
}

function sortByName(resources: ResourceInfo[]): ResourceInfo[] {
  return [...resources].sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}

function storageVersionHash(r: ResourceInfo): string {
  // An opaque, stable value per group/version/kind (the apiserver's is a hash too).
  let h = 0;
  for (const c of `${r.group}/${r.version}/${r.kind}`) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Buffer.from(String(h >>> 0)).toString("base64").slice(0, 11);
}

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: "", version: "", kind: r.kind },
    scope: r.namespaced ? "Namespaced" : "Cluster",
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length > 0) entry["shortNames"] = r.shortNames;
  if (r.categories.length > 0) entry["categories"] = r.categories;
  if (r.subresources.length > 0) {
    entry["subresources"] = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? "", version: s.version ?? "", kind: s.kind || r.kind },
      verbs: s.verbs,
    }));
  }
  return entry;
}

/** `/api` (core only) or `/apis` (named groups) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean, version: AggregatedVersion): Record<string, unknown> {
  const items: Record<string, unknown>[] = [];
  if (core) {
    items.push({ metadata: { name: "" }, versions: [{ version: "v1", resources: sortByName(registry.inGroupVersion("", "v1")).map(aggregatedResource), freshness: "Current" }] });
  } else {
    for (const [group, versions] of groupsOf(registry)) {
      items.push({
        metadata: { name: group, creationTimestamp: null },
        versions: versions.map((v) => ({ version: v, resources: sortByName(registry.inGroupVersion(group, v)).map(aggregatedResource), freshness: "Current" })),
      });
    }
  }
  return { kind: "APIGroupDiscoveryList", apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

export interface KubeVersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

/** `/version` body; kubectl's dispatcher picks `kubectl.1.<minor>` from it. */
export function versionInfo(kubeVersion: string): Record<string, unknown> {
  const [major = "1", minor = "32", patch = "0"] = kubeVersion.replace(/^v/, "").split(".");
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.23.4",
    compiler: "gc",
    platform: "linux/amd64",
  };
}
