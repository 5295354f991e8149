/** Kind → resource (plural, namespaced) from the cluster's discovery documents, cached per client. */
import type { KubeClient } from "./client.js";
import { KubernetesError } from "../errors.js";
import { CapstanError } from "@capstan/core";

export interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly name: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

const caches = new WeakMap<KubeClient, Map<string, Promise<APIResourceList>>>();

export async function resourceFor(client: KubeClient, apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceInfo> {
  for (let fresh = false; ; fresh = true) {
    const list = await groupVersion(client, apiVersion, fresh, signal);
    // Subresources (deployments/status) share the kind: take the top-level resource.
    const r = list.resources.find((x) => x.kind === kind && !x.name.includes("/"));
    if (r) return { apiVersion, kind, name: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] };
    // A CRD applied earlier in the same run is not in a cached document yet: look once more.
    if (fresh) {
      const kinds = list.resources.filter((x) => !x.name.includes("/")).map((x) => x.kind);
      throw new CapstanError("CAPSTAN_K8S_UNKNOWN_KIND", `${client.label} serves no kind "${kind}" in ${apiVersion} (it serves: ${kinds.join(", ") || "nothing"})`, {
        hint: "check the kind's spelling and apiVersion; for a custom resource, apply its CRD first",
        retryable: false,
      });
    }
  }
}

async function groupVersion(client: KubeClient, apiVersion: string, fresh: boolean, signal?: AbortSignal): Promise<APIResourceList> {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  let p = fresh ? undefined : cache.get(apiVersion);
  if (!p) {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    p = client.json<APIResourceList>("GET", path, { signal }).catch((err: unknown) => {
      cache.delete(apiVersion);
      if (err instanceof KubernetesError && err.httpStatus === 404) {
        throw new CapstanError("CAPSTAN_K8S_UNKNOWN_KIND", `${client.label} does not serve apiVersion ${apiVersion}`, {
          hint: apiVersion.includes(".") ? "is the CRD that defines this group installed?" : "check the apiVersion (e.g. apps/v1, batch/v1, v1)",
          retryable: false,
        });
      }
      throw err;
    });
    cache.set(apiVersion, p);
  }
  return p;
}

export function objectPath(r: ResourceInfo, namespace: string | undefined, name?: string, subresource?: string): string {
  const base = r.apiVersion.includes("/") ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  const ns = r.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
  return `${base}${ns}/${r.name}${name ? `/${encodeURIComponent(name)}` : ""}${subresource ? `/${subresource}` : ""}`;
}
