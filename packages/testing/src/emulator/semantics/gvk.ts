/** Group/version/kind helpers shared by the semantics modules. */

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionOf(gvk: { group: string; version: string }): string {
  return gvk.group === "" ? gvk.version : `${gvk.group}/${gvk.version}`;
}

export function gvkOf(obj: { apiVersion?: unknown; kind?: unknown }): GroupVersionKind {
  const { group, version } = parseApiVersion(typeof obj.apiVersion === "string" ? obj.apiVersion : "v1");
  return { group, version, kind: typeof obj.kind === "string" ? obj.kind : "" };
}

export function gvkKey(gvk: GroupVersionKind): string {
  return `${apiVersionOf(gvk)}/${gvk.kind}`;
}

/** schema.GroupKind.String(): `Deployment.apps`, or just `Pod` for the core group. */
export function groupKindString(gvk: { group: string; kind: string }): string {
  return gvk.group === "" ? gvk.kind : `${gvk.kind}.${gvk.group}`;
}
