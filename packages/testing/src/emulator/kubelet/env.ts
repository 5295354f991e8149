/** Container environment as the kubelet builds it: service variables, env/envFrom with refs, and $(VAR) expansion. */

import type { ObjectStore } from "../store/types.js";
import type { Container, Pod } from "../controllers/k8s-types.js";
import { CONFIGMAPS, SECRETS } from "../controllers/refs.js";

/** Thrown when a referenced ConfigMap/Secret key is missing: the container waits in CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

function fieldValue(pod: Pod, path: string): string {
  const meta = pod.metadata;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? meta.labels : meta.annotations)?.[m[2] ?? ""] ?? "";
  switch (path) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return String((pod.spec as { serviceAccountName?: string }).serviceAccountName ?? "default");
    case "status.podIP":
      return pod.status?.podIP ?? "";
    case "status.hostIP":
      return pod.status?.hostIP ?? "";
    default:
      return "";
  }
}

function decode(value: string, base64: boolean): string {
  return base64 ? Buffer.from(value, "base64").toString("utf8") : value;
}

export function buildEnv(store: ObjectStore, pod: Pod, container: Container): Record<string, string> {
  const ns = pod.metadata.namespace ?? "default";
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOSTNAME: pod.spec.hostname ?? pod.metadata.name ?? "",
    HOME: "/root",
    KUBERNETES_SERVICE_HOST: "10.96.0.1",
    KUBERNETES_SERVICE_PORT: "443",
    KUBERNETES_SERVICE_PORT_HTTPS: "443",
    KUBERNETES_PORT: "tcp://10.96.0.1:443",
    KUBERNETES_PORT_443_TCP: "tcp://10.96.0.1:443",
    KUBERNETES_PORT_443_TCP_PROTO: "tcp",
    KUBERNETES_PORT_443_TCP_PORT: "443",
    KUBERNETES_PORT_443_TCP_ADDR: "10.96.0.1",
  };
  const source = (kind: "configmap" | "secret", name: string, optional: boolean | undefined): Record<string, string> | undefined => {
    const obj = store.get(kind === "configmap" ? CONFIGMAPS : SECRETS, ns, name);
    if (!obj) {
      if (optional) return undefined;
      throw new ContainerConfigError(`${kind} "${name}" not found`);
    }
    const data = (obj["data"] ?? {}) as Record<string, string>;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) out[k] = decode(v, kind === "secret");
    if (kind === "secret") for (const [k, v] of Object.entries((obj["stringData"] ?? {}) as Record<string, string>)) out[k] = v;
    return out;
  };
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = source(from.configMapRef ? "configmap" : "secret", ref.name, ref.optional);
    for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === "$$" ? "$" : name !== undefined && env[name] !== undefined ? env[name] : m));
      continue;
    }
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = "";
      continue;
    }
    if (vf.fieldRef) env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath);
    const keyRef = vf.configMapKeyRef ?? vf.secretKeyRef;
    if (keyRef) {
      const kind = vf.configMapKeyRef ? "configmap" : "secret";
      const data = source(kind, keyRef.name, keyRef.optional);
      if (data === undefined) continue;
      const value = data[keyRef.key];
      if (value === undefined) {
        if (keyRef.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${kind === "configmap" ? "ConfigMap" : "Secret"} ${ns}/${keyRef.name}`);
      }
      env[e.name] = value;
    }
  }
  return env;
}

/** Expands $(VAR) references in command/args as the kubelet does. */
export function expandArgs(args: string[], env: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === "$$" ? "$" : name !== undefined && env[name] !== undefined ? env[name] : m)));
}
