/**
 * Built-in kinds: their default apiVersion (so `kind: "Deployment"` is enough) and their typed
 * shape, from client-node's models as they travel in JSON (dates are strings).
 */
import type * as k8s from "@kubernetes/client-node";

/** A model as it arrives over JSON: Date fields are RFC 3339 strings. */
export type Jsonify<T> = T extends Date
  ? string
  : T extends (infer E)[]
    ? Jsonify<E>[]
    : T extends object
      ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Jsonify<T[K]> }
      : T;

export interface KindTypes {
  Namespace: k8s.V1Namespace;
  Pod: k8s.V1Pod;
  Service: k8s.V1Service;
  ConfigMap: k8s.V1ConfigMap;
  Secret: k8s.V1Secret;
  ServiceAccount: k8s.V1ServiceAccount;
  Event: k8s.CoreV1Event;
  PersistentVolumeClaim: k8s.V1PersistentVolumeClaim;
  Node: k8s.V1Node;
  Deployment: k8s.V1Deployment;
  ReplicaSet: k8s.V1ReplicaSet;
  StatefulSet: k8s.V1StatefulSet;
  DaemonSet: k8s.V1DaemonSet;
  Job: k8s.V1Job;
  CronJob: k8s.V1CronJob;
  Ingress: k8s.V1Ingress;
  CustomResourceDefinition: k8s.V1CustomResourceDefinition;
}

export type KnownKind = keyof KindTypes;

/** The JSON type of a kind; custom kinds get a generic object with apiVersion, kind and metadata. */
export type ObjectOf<K extends string> = K extends KnownKind ? Jsonify<KindTypes[K]> & { apiVersion: string; kind: K } : CustomObject;

export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: Jsonify<k8s.V1ObjectMeta>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export const DEFAULT_API_VERSION: Record<KnownKind, string> = {
  Namespace: "v1",
  Pod: "v1",
  Service: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  ServiceAccount: "v1",
  Event: "v1",
  PersistentVolumeClaim: "v1",
  Node: "v1",
  Deployment: "apps/v1",
  ReplicaSet: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  Ingress: "networking.k8s.io/v1",
  CustomResourceDefinition: "apiextensions.k8s.io/v1",
};
