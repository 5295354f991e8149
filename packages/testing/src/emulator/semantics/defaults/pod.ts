/** core/v1 defaulting of PodSpec and Container (`pkg/apis/core/v1/defaults.go`, research §3.12). */

import { isObject, type JsonObject } from "../json.js";

const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
const items = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

function setIfAbsent(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

/** parseImageName: no tag (and no digest) means `latest`. */
export function defaultPullPolicy(image: unknown): string {
  if (typeof image !== "string") return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const tag = colon < 0 ? "latest" : lastSegment.slice(colon + 1);
  return tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(probe: unknown): void {
  const p = obj(probe);
  if (!p) return;
  setIfAbsent(p, "timeoutSeconds", 1);
  setIfAbsent(p, "periodSeconds", 10);
  setIfAbsent(p, "successThreshold", 1);
  setIfAbsent(p, "failureThreshold", 3);
  const http = obj(p.httpGet);
  if (http) {
    setIfAbsent(http, "path", "/");
    setIfAbsent(http, "scheme", "HTTP");
  }
}

function defaultLifecycleHandler(handler: unknown): void {
  const http = obj(obj(handler)?.httpGet);
  if (http) {
    setIfAbsent(http, "path", "/");
    setIfAbsent(http, "scheme", "HTTP");
  }
}

export function defaultContainer(c: JsonObject): void {
  setIfAbsent(c, "imagePullPolicy", defaultPullPolicy(c.image));
  setIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
  setIfAbsent(c, "terminationMessagePolicy", "File");
  // Go's non-pointer ResourceRequirements always serializes as `{}`.
  setIfAbsent(c, "resources", {});
  for (const port of items(c.ports)) setIfAbsent(port, "protocol", "TCP");
  for (const env of items(c.env)) {
    const fieldRef = obj(obj(env.valueFrom)?.fieldRef);
    if (fieldRef) setIfAbsent(fieldRef, "apiVersion", "v1");
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lifecycle = obj(c.lifecycle);
  if (lifecycle) {
    defaultLifecycleHandler(lifecycle.postStart);
    defaultLifecycleHandler(lifecycle.preStop);
  }
}

function defaultVolume(v: JsonObject): void {
  for (const source of ["secret", "configMap", "downwardAPI", "projected"]) {
    const s = obj(v[source]);
    if (s) setIfAbsent(s, "defaultMode", 420);
  }
  const hostPath = obj(v.hostPath);
  if (hostPath) setIfAbsent(hostPath, "type", "");
  // A volume with no source is an emptyDir (SetDefaults_Volume).
  const sources = Object.keys(v).filter((k) => k !== "name");
  if (sources.length === 0) v.emptyDir = {};
}

export function defaultPodSpec(spec: JsonObject): void {
  setIfAbsent(spec, "dnsPolicy", "ClusterFirst");
  setIfAbsent(spec, "restartPolicy", "Always");
  setIfAbsent(spec, "terminationGracePeriodSeconds", 30);
  setIfAbsent(spec, "securityContext", {});
  setIfAbsent(spec, "schedulerName", "default-scheduler");
  for (const c of [...items(spec.initContainers), ...items(spec.containers), ...items(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of items(spec.volumes)) defaultVolume(v);
}

/** SetDefaults_Pod: PodSpec defaults plus the Pod-only ones. */
export function defaultPod(pod: JsonObject): void {
  pod.spec ??= {};
  const spec = obj(pod.spec);
  if (!spec) return;
  defaultPodSpec(spec);
  setIfAbsent(spec, "enableServiceLinks", true);
  // Requests default to limits when only limits are given.
  for (const c of [...items(spec.initContainers), ...items(spec.containers)]) {
    const resources = obj(c.resources);
    const limits = obj(resources?.limits);
    if (!resources || !limits) continue;
    const requests = obj(resources.requests) ?? {};
    for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
    resources.requests = requests;
  }
}

export function defaultPodTemplate(template: unknown): void {
  const t = obj(template);
  if (!t) return;
  const spec = obj(t.spec);
  if (spec) defaultPodSpec(spec);
}
