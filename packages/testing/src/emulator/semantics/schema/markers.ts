/**
 * Merge markers of the built-in types, transcribed from the struct tags and `+listType`/`+mapType`/
 * `+structType` comments of k8s.io/api v0.32 (research §3.5). client-node's models do not carry them,
 * so SMP, SSA and the OpenAPI document take them from here. Lists not listed here are atomic (SSA) and
 * replaced (SMP), as the apiserver does for lists without markers.
 */

import type { ListType } from "./types.js";

export interface FieldMarker {
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: ListType;
  listMapKeys?: string[];
  mapType?: "atomic" | "granular";
}

const byName = (key: string): FieldMarker => ({ patchStrategy: "merge", patchMergeKey: key, listType: "map", listMapKeys: [key] });
const conditions: FieldMarker = byName("type");
const atomic: FieldMarker = { listType: "atomic" };
const containerLists: Record<string, FieldMarker> = {
  ports: { patchStrategy: "merge", patchMergeKey: "containerPort", listType: "map", listMapKeys: ["containerPort", "protocol"] },
  env: byName("name"),
  volumeMounts: byName("mountPath"),
  volumeDevices: byName("devicePath"),
  command: atomic,
  args: atomic,
  envFrom: atomic,
  resizePolicy: atomic,
};

/** model name → field → markers. */
export const FIELD_MARKERS: Record<string, Record<string, FieldMarker>> = {
  V1ObjectMeta: {
    finalizers: { patchStrategy: "merge", listType: "set" },
    ownerReferences: byName("uid"),
    managedFields: atomic,
  },
  V1LabelSelector: { matchExpressions: atomic },
  V1PodSpec: {
    volumes: { ...byName("name"), patchStrategy: "merge,retainKeys" },
    initContainers: byName("name"),
    containers: byName("name"),
    ephemeralContainers: byName("name"),
    imagePullSecrets: byName("name"),
    hostAliases: byName("ip"),
    topologySpreadConstraints: { patchStrategy: "merge", patchMergeKey: "topologyKey", listType: "map", listMapKeys: ["topologyKey", "whenUnsatisfiable"] },
    schedulingGates: byName("name"),
    resourceClaims: { ...byName("name"), patchStrategy: "merge,retainKeys" },
    tolerations: atomic,
    readinessGates: atomic,
    nodeSelector: { mapType: "atomic" },
  },
  V1PodStatus: {
    conditions,
    podIPs: byName("ip"),
    hostIPs: { patchStrategy: "merge", patchMergeKey: "ip", listType: "atomic" },
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: { ...byName("name"), patchStrategy: "merge,retainKeys" },
  },
  V1Container: containerLists,
  V1EphemeralContainer: containerLists,
  V1ServiceSpec: {
    ports: { patchStrategy: "merge", patchMergeKey: "port", listType: "map", listMapKeys: ["port", "protocol"] },
    selector: { mapType: "atomic" },
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  V1ServiceStatus: { conditions },
  V1LoadBalancerStatus: { ingress: atomic },
  V1ServiceAccount: { secrets: byName("name"), imagePullSecrets: atomic },
  V1NodeSpec: { podCIDRs: { patchStrategy: "merge", listType: "set" }, taints: atomic },
  V1NodeStatus: { conditions, addresses: byName("type"), images: atomic, volumesInUse: atomic, volumesAttached: atomic },
  V1NamespaceSpec: { finalizers: atomic },
  V1NamespaceStatus: { conditions },
  V1PersistentVolumeClaimSpec: { accessModes: atomic },
  V1PersistentVolumeClaimStatus: { conditions, accessModes: atomic },
  V1PodSecurityContext: { supplementalGroups: atomic, sysctls: atomic },
  V1Capabilities: { add: atomic, drop: atomic },
  V1ExecAction: { command: atomic },
  V1HTTPGetAction: { httpHeaders: atomic },
  V1NodeSelector: { nodeSelectorTerms: atomic },
  V1NodeSelectorTerm: { matchExpressions: atomic, matchFields: atomic },
  V1ConfigMapVolumeSource: { items: atomic },
  V1SecretVolumeSource: { items: atomic },
  V1ProjectedVolumeSource: { sources: atomic },
  V1DownwardAPIVolumeSource: { items: atomic },
  V1TopologySpreadConstraint: { matchLabelKeys: atomic },
  V1DeploymentStatus: { conditions },
  V1ReplicaSetStatus: { conditions },
  V1StatefulSetStatus: { conditions },
  V1DaemonSetStatus: { conditions },
  V1StatefulSetSpec: { volumeClaimTemplates: atomic },
  V1JobStatus: { conditions: { patchStrategy: "merge", patchMergeKey: "type", listType: "atomic" } },
  V1CronJobStatus: { active: atomic },
  V1PodFailurePolicy: { rules: atomic },
  V1IngressSpec: { rules: atomic, tls: atomic },
  V1IngressTLS: { hosts: atomic },
  V1HTTPIngressRuleValue: { paths: atomic },
  V1CustomResourceDefinitionSpec: { versions: atomic },
  V1CustomResourceDefinitionStatus: { conditions: { listType: "map", listMapKeys: ["type"] }, storedVersions: atomic },
  V1CustomResourceDefinitionNames: { shortNames: atomic, categories: atomic },
};

/** Object-valued fields with an SMP patch strategy (`patchStrategy:"retainKeys"` on the struct tag). */
export const OBJECT_FIELD_STRATEGIES: Record<string, Record<string, string>> = {
  V1DeploymentSpec: { strategy: "retainKeys" },
};

/** `+structType=atomic` types: SSA treats them as one value. */
export const ATOMIC_STRUCTS = new Set([
  "V1LabelSelector",
  "V1NodeSelector",
  "V1ObjectReference",
  "V1LocalObjectReference",
  "V1TypedLocalObjectReference",
  "V1ConfigMapKeySelector",
  "V1SecretKeySelector",
  "V1ObjectFieldSelector",
  "V1ResourceFieldSelector",
]);

/**
 * resource.Quantity fields: client-node types them as strings, but the apiserver also accepts numbers
 * (`cpu: 1`). Keyed like FIELD_MARKERS; maps mean "the map's values are quantities".
 */
export const QUANTITY_FIELDS: Record<string, string[]> = {
  V1ResourceRequirements: ["limits", "requests"],
  V1VolumeResourceRequirements: ["limits", "requests"],
  V1NodeStatus: ["capacity", "allocatable"],
  V1PersistentVolumeClaimStatus: ["capacity", "allocatedResources"],
  V1PodSpec: ["overhead"],
  V1EmptyDirVolumeSource: ["sizeLimit"],
  V1ContainerStatus: ["allocatedResources"],
};

/** Defaults of list-map key fields, used to build SSA item keys when a key is omitted (`protocol: TCP`). */
export const LIST_MAP_KEY_DEFAULTS: Record<string, unknown> = { protocol: "TCP" };
