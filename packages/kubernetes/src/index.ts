/**
 * @capstan/kubernetes: Kubernetes tasks for Capstan flows, on any number of clusters.
 *
 * @example
 * import { flow } from "@capstan/core";
 * import { kubectl, kubernetes } from "@capstan/kubernetes";
 *
 * const promote = flow({ id: "promote" })
 *   .step("staging", kubectl.apply({ manifest, cluster: "staging", waitUntilReady: "5m" }))
 *   .step("status", kubectl.get({ kind: "Deployment", name: "web", cluster: "staging" }))
 *   .step("prod", kubectl.apply({ manifest, cluster: "prod" }));
 * await promote.run({ services: kubernetes({ clusters: { staging: { file: "staging.yaml" }, prod: { context: "prod" } } }) });
 *
 * @module
 */
import { apply } from "./tasks/apply.js";
import { get } from "./tasks/get.js";
import { patch } from "./tasks/patch.js";
import { del } from "./tasks/delete.js";
import { restart } from "./tasks/restart.js";

/** The kubectl-like tasks (podCreate is exported on its own). */
export const kubectl = { apply, get, patch, delete: del, restart } as const;
export { apply, get, patch, del, restart };
export { podCreate, WORKING_DIR } from "./tasks/pod/index.js";
export type { PodCreateInput, PodCreateOutput } from "./tasks/pod/index.js";
export { kubernetes, clusterSchema } from "./cluster/spec.js";
export type { ClusterSpec, ClusterObject, KubernetesServices } from "./cluster/spec.js";
export { KubernetesError } from "./errors.js";
export type { AppliedObject } from "./tasks/apply.js";
export type { ListResult } from "./tasks/get.js";
export type { ObjectOf, KnownKind, Jsonify, CustomObject } from "./kinds.js";
export type { KubeObject, Manifest } from "./objects.js";
