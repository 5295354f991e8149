/** Resource references for the kinds the controllers touch, and kind → resource lookup for owner references. */

import type { ResourceRef } from "../store/types.js";

export const PODS: ResourceRef = { group: "", version: "v1", resource: "pods" };
export const NODES: ResourceRef = { group: "", version: "v1", resource: "nodes" };
export const EVENTS: ResourceRef = { group: "", version: "v1", resource: "events" };
export const CONFIGMAPS: ResourceRef = { group: "", version: "v1", resource: "configmaps" };
export const SECRETS: ResourceRef = { group: "", version: "v1", resource: "secrets" };
export const PVCS: ResourceRef = { group: "", version: "v1", resource: "persistentvolumeclaims" };
export const NAMESPACES: ResourceRef = { group: "", version: "v1", resource: "namespaces" };
export const DEPLOYMENTS: ResourceRef = { group: "apps", version: "v1", resource: "deployments" };
export const REPLICASETS: ResourceRef = { group: "apps", version: "v1", resource: "replicasets" };
export const STATEFULSETS: ResourceRef = { group: "apps", version: "v1", resource: "statefulsets" };
export const DAEMONSETS: ResourceRef = { group: "apps", version: "v1", resource: "daemonsets" };
export const CONTROLLERREVISIONS: ResourceRef = { group: "apps", version: "v1", resource: "controllerrevisions" };
export const JOBS: ResourceRef = { group: "batch", version: "v1", resource: "jobs" };
export const CRONJOBS: ResourceRef = { group: "batch", version: "v1", resource: "cronjobs" };
export const PDBS: ResourceRef = { group: "policy", version: "v1", resource: "poddisruptionbudgets" };

const KIND_TO_RESOURCE: Record<string, string> = {
  Pod: "pods",
  Node: "nodes",
  Event: "events",
  ConfigMap: "configmaps",
  Secret: "secrets",
  Service: "services",
  Endpoints: "endpoints",
  Namespace: "namespaces",
  PersistentVolumeClaim: "persistentvolumeclaims",
  PersistentVolume: "persistentvolumes",
  ServiceAccount: "serviceaccounts",
  Deployment: "deployments",
  ReplicaSet: "replicasets",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
  ControllerRevision: "controllerrevisions",
  Job: "jobs",
  CronJob: "cronjobs",
  PodDisruptionBudget: "poddisruptionbudgets",
  Ingress: "ingresses",
  NetworkPolicy: "networkpolicies",
  CustomResourceDefinition: "customresourcedefinitions",
  Role: "roles",
  RoleBinding: "rolebindings",
  ClusterRole: "clusterroles",
  ClusterRoleBinding: "clusterrolebindings",
  HorizontalPodAutoscaler: "horizontalpodautoscalers",
};

/** Resource for an apiVersion + kind; unknown kinds use the lower-case plural as CRDs usually do. */
export function refForKind(apiVersion: string, kind: string): ResourceRef {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const known = KIND_TO_RESOURCE[kind];
  const lower = kind.toLowerCase();
  const resource = known ?? (lower.endsWith("s") ? `${lower}es` : lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : `${lower}s`);
  return { group, version, resource };
}

export function apiVersionOf(ref: ResourceRef): string {
  return ref.group === "" ? ref.version : `${ref.group}/${ref.version}`;
}

export function refKey(ref: ResourceRef): string {
  return `${ref.group}/${ref.resource}`;
}
