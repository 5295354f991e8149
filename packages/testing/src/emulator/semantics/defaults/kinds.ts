/** Defaulting of the apps/v1, batch/v1 and core/v1 kinds (`SetDefaults_<Kind>`, research §3.12). */

import { isObject, type JsonObject } from "../json.js";
import { defaultPod, defaultPodTemplate } from "./pod.js";

const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
const items = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

function setIfAbsent(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

/** Returns `parent[key]` as an object, creating `{}` when absent (Go's non-pointer structs). */
function child(parent: JsonObject, key: string): JsonObject {
  const existing = obj(parent[key]);
  if (existing) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

export function defaultDeployment(d: JsonObject): void {
  const spec = child(d, "spec");
  setIfAbsent(spec, "replicas", 1);
  const strategy = child(spec, "strategy");
  setIfAbsent(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = child(strategy, "rollingUpdate");
    setIfAbsent(ru, "maxUnavailable", "25%");
    setIfAbsent(ru, "maxSurge", "25%");
  }
  setIfAbsent(spec, "revisionHistoryLimit", 10);
  setIfAbsent(spec, "progressDeadlineSeconds", 600);
  defaultPodTemplate(child(spec, "template"));
}

export function defaultReplicaSet(rs: JsonObject): void {
  const spec = child(rs, "spec");
  setIfAbsent(spec, "replicas", 1);
  defaultPodTemplate(child(spec, "template"));
}

function defaultPvcSpec(spec: JsonObject): void {
  setIfAbsent(spec, "volumeMode", "Filesystem");
}

export function defaultStatefulSet(sts: JsonObject): void {
  const spec = child(sts, "spec");
  setIfAbsent(spec, "podManagementPolicy", "OrderedReady");
  const strategy = child(spec, "updateStrategy");
  if (strategy.type === undefined || strategy.type === null) {
    strategy.type = "RollingUpdate";
    setIfAbsent(strategy, "rollingUpdate", {});
  }
  const ru = obj(strategy.rollingUpdate);
  if (strategy.type === "RollingUpdate" && ru) setIfAbsent(ru, "partition", 0);
  const retention = child(spec, "persistentVolumeClaimRetentionPolicy");
  setIfAbsent(retention, "whenDeleted", "Retain");
  setIfAbsent(retention, "whenScaled", "Retain");
  setIfAbsent(spec, "replicas", 1);
  setIfAbsent(spec, "revisionHistoryLimit", 10);
  for (const pvc of items(spec.volumeClaimTemplates)) {
    defaultPvcSpec(child(pvc, "spec"));
    setIfAbsent(pvc, "status", { phase: "Pending" });
  }
  defaultPodTemplate(child(spec, "template"));
}

export function defaultDaemonSet(ds: JsonObject): void {
  const spec = child(ds, "spec");
  const strategy = child(spec, "updateStrategy");
  setIfAbsent(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = child(strategy, "rollingUpdate");
    setIfAbsent(ru, "maxUnavailable", 1);
    setIfAbsent(ru, "maxSurge", 0);
  }
  setIfAbsent(spec, "revisionHistoryLimit", 10);
  defaultPodTemplate(child(spec, "template"));
}

export function defaultJob(job: JsonObject): void {
  const spec = child(job, "spec");
  if ((spec.completions ?? null) === null && (spec.parallelism ?? null) === null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfAbsent(spec, "parallelism", 1);
  setIfAbsent(spec, "backoffLimit", spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6);
  setIfAbsent(spec, "completionMode", "NonIndexed");
  setIfAbsent(spec, "suspend", false);
  setIfAbsent(spec, "podReplacementPolicy", spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed");
  const template = child(spec, "template");
  const templateLabels = obj(obj(template.metadata)?.labels);
  const meta = child(job, "metadata");
  if (templateLabels && Object.keys(obj(meta.labels) ?? {}).length === 0) meta.labels = { ...templateLabels };
  defaultPodTemplate(template);
}

/**
 * The Job strategy's PrepareForCreate: unless `manualSelector` is true, select the job's pods by its uid
 * and label the template accordingly. Needs `metadata.uid`, so the store calls it after assigning one.
 */
export function generateJobSelector(job: JsonObject): void {
  const spec = child(job, "spec");
  const meta = obj(job.metadata);
  const uid = meta?.uid;
  if (spec.manualSelector === true || typeof uid !== "string" || !uid) return;
  const name = typeof meta?.name === "string" ? meta.name : "";
  const template = child(spec, "template");
  const tmeta = child(template, "metadata");
  tmeta.labels = {
    ...(obj(tmeta.labels) ?? {}),
    "batch.kubernetes.io/controller-uid": uid,
    "batch.kubernetes.io/job-name": name,
    "controller-uid": uid,
    "job-name": name,
  };
  spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
}

export function defaultCronJob(cj: JsonObject): void {
  const spec = child(cj, "spec");
  setIfAbsent(spec, "concurrencyPolicy", "Allow");
  setIfAbsent(spec, "suspend", false);
  setIfAbsent(spec, "successfulJobsHistoryLimit", 3);
  setIfAbsent(spec, "failedJobsHistoryLimit", 1);
  const jobSpec = child(child(spec, "jobTemplate"), "spec");
  defaultPodTemplate(child(jobSpec, "template"));
}

export function defaultService(svc: JsonObject): void {
  const spec = child(svc, "spec");
  setIfAbsent(spec, "type", "ClusterIP");
  setIfAbsent(spec, "sessionAffinity", "None");
  for (const port of items(spec.ports)) {
    setIfAbsent(port, "protocol", "TCP");
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === "") port.targetPort = port.port;
  }
  if (spec.type !== "ExternalName") setIfAbsent(spec, "internalTrafficPolicy", "Cluster");
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") setIfAbsent(spec, "externalTrafficPolicy", "Cluster");
  if (spec.type === "LoadBalancer") setIfAbsent(spec, "allocateLoadBalancerNodePorts", true);
  if (spec.sessionAffinity === "ClientIP") {
    const cfg = child(child(spec, "sessionAffinityConfig"), "clientIP");
    setIfAbsent(cfg, "timeoutSeconds", 10800);
  }
}

export function defaultNamespace(ns: JsonObject): void {
  const meta = child(ns, "metadata");
  if (typeof meta.name === "string" && meta.name) {
    meta.labels = { ...(obj(meta.labels) ?? {}), "kubernetes.io/metadata.name": meta.name };
  }
  const spec = child(ns, "spec");
  setIfAbsent(spec, "finalizers", ["kubernetes"]);
  setIfAbsent(child(ns, "status"), "phase", "Active");
}

/** v1 Secret: `type: Opaque`, and the write-only `stringData` folded into base64 `data`. */
export function defaultSecret(secret: JsonObject): void {
  setIfAbsent(secret, "type", "Opaque");
  const stringData = obj(secret.stringData);
  if (stringData) {
    const data = obj(secret.data) ?? {};
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
    secret.data = data;
    delete secret.stringData;
  }
}

export function defaultPersistentVolumeClaim(pvc: JsonObject): void {
  defaultPvcSpec(child(pvc, "spec"));
  setIfAbsent(child(pvc, "status"), "phase", "Pending");
}

export function defaultCustomResourceDefinition(crd: JsonObject): void {
  const spec = child(crd, "spec");
  setIfAbsent(child(spec, "conversion"), "strategy", "None");
  const names = child(spec, "names");
  if (typeof names.kind === "string") setIfAbsent(names, "listKind", `${names.kind}List`);
  if (typeof names.kind === "string") setIfAbsent(names, "singular", names.kind.toLowerCase());
}

export { defaultPod };
