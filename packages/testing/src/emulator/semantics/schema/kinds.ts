/** The built-in kinds the emulator serves, with the client-node model that describes each. */

import type { GroupVersionKind } from "../gvk.js";

export interface BuiltinKind extends GroupVersionKind {
  /** client-node model class name (`V1Deployment`). */
  model: string;
  /** Plural resource; undefined for kinds that are not a top-level resource (Scale, Status). */
  resource?: string;
  namespaced: boolean;
  /** Whether the resource has a `/status` subresource (then main-resource writes ignore `status`). */
  statusSubresource: boolean;
  /** Other subresources served for this resource (for the OpenAPI paths). */
  subresources?: string[];
}

const k = (
  group: string,
  version: string,
  kind: string,
  model: string,
  resource: string | undefined,
  namespaced: boolean,
  statusSubresource: boolean,
  subresources?: string[],
): BuiltinKind => ({ group, version, kind, model, resource, namespaced, statusSubresource, ...(subresources ? { subresources } : {}) });

export const BUILTIN_KINDS: readonly BuiltinKind[] = [
  k("", "v1", "Namespace", "V1Namespace", "namespaces", false, true),
  k("", "v1", "Pod", "V1Pod", "pods", true, true, ["log", "exec", "eviction"]),
  k("", "v1", "Service", "V1Service", "services", true, true),
  k("", "v1", "ConfigMap", "V1ConfigMap", "configmaps", true, false),
  k("", "v1", "Secret", "V1Secret", "secrets", true, false),
  k("", "v1", "ServiceAccount", "V1ServiceAccount", "serviceaccounts", true, false),
  k("", "v1", "Event", "CoreV1Event", "events", true, false),
  k("", "v1", "PersistentVolumeClaim", "V1PersistentVolumeClaim", "persistentvolumeclaims", true, true),
  k("", "v1", "Node", "V1Node", "nodes", false, true),
  k("", "v1", "Status", "V1Status", undefined, false, false),
  k("apps", "v1", "Deployment", "V1Deployment", "deployments", true, true, ["scale"]),
  k("apps", "v1", "ReplicaSet", "V1ReplicaSet", "replicasets", true, true, ["scale"]),
  k("apps", "v1", "StatefulSet", "V1StatefulSet", "statefulsets", true, true, ["scale"]),
  k("apps", "v1", "DaemonSet", "V1DaemonSet", "daemonsets", true, true),
  k("batch", "v1", "Job", "V1Job", "jobs", true, true),
  k("batch", "v1", "CronJob", "V1CronJob", "cronjobs", true, true),
  k("networking.k8s.io", "v1", "Ingress", "V1Ingress", "ingresses", true, true),
  k("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "V1CustomResourceDefinition", "customresourcedefinitions", false, true),
  k("autoscaling", "v1", "Scale", "V1Scale", undefined, true, false),
];

export function builtinKind(gvk: GroupVersionKind): BuiltinKind | undefined {
  return BUILTIN_KINDS.find((b) => b.group === gvk.group && b.version === gvk.version && b.kind === gvk.kind);
}

/** `DeploymentList` etc.: list kinds map to `<Model>List` models. */
export function builtinListModel(gvk: GroupVersionKind): string | undefined {
  if (!gvk.kind.endsWith("List")) return undefined;
  const item = builtinKind({ ...gvk, kind: gvk.kind.slice(0, -4) });
  return item?.resource ? `${item.model}List` : undefined;
}

/** OpenAPI component prefix of a Go package, by API group. */
export function packagePrefix(group: string, version: string): string {
  if (group === "apiextensions.k8s.io") return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  const pkg = group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
  return `io.k8s.api.${pkg}.${version}`;
}

export const META_PREFIX = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** Models that live in apimachinery's meta/v1 package. */
export const META_MODELS = new Set([
  "V1ObjectMeta",
  "V1ListMeta",
  "V1LabelSelector",
  "V1LabelSelectorRequirement",
  "V1OwnerReference",
  "V1ManagedFieldsEntry",
  "V1Status",
  "V1StatusDetails",
  "V1StatusCause",
  "V1Condition",
  "V1DeleteOptions",
  "V1Preconditions",
]);
