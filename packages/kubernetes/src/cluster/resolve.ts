/**
 * Turns a ClusterSpec into a loaded KubeConfig, with errors that say which kubeconfig, which
 * context, and what to do. Inline kubeconfigs are parsed in memory, never written to disk.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, resolve } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { clientNode, yaml } from "../client/client-node.js";
import type { ClusterObject, ClusterSpec, ResolvedServices } from "./spec.js";
import { configError } from "../errors.js";

export interface ResolvedCluster {
  /** For messages: the run's name for it, the file, or the context. Never the content. */
  readonly label: string;
  readonly kc: KubeConfig;
  /** Connections are shared by equal keys within a run. */
  readonly key: string;
  /** The kubeconfig text when it was given inline: tells whether it was a secret (credentials.ts). */
  readonly inline?: string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function resolveCluster(spec: ClusterSpec, services: ResolvedServices | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedCluster {
  if (spec === undefined) {
    if (services?.default !== undefined) return resolveCluster(services.default, { ...services, default: undefined }, env);
    return defaultCluster(env);
  }
  if (typeof spec === "string") {
    const mapped = services?.clusters?.[spec];
    if (mapped !== undefined) return relabel(typeof mapped === "string" ? resolveCluster(mapped, { ...services, clusters: {} }, env) : fromObject(mapped, env), spec);
    const path = expandHome(spec);
    if (looksLikePath(spec) || existsSync(path)) {
      if (!existsSync(path)) throw configError(`kubeconfig file ${spec} does not exist`, "pass an existing kubeconfig path, a context name, or map the name with run({ services: kubernetes({ clusters }) })");
      return fromFile(path, undefined);
    }
    const known = Object.keys(services?.clusters ?? {});
    try {
      return relabel(fromDefaultFiles(env, spec), spec);
    } catch (e) {
      throw configError(
        `cluster "${spec}" is not a name this run maps${known.length ? ` (it maps: ${known.join(", ")})` : ""}, not a kubeconfig file, and not a context of the default kubeconfig: ${(e as Error).message}`,
        "map it with run({ services: kubernetes({ clusters: { name: ... } }) }), or pass a kubeconfig path or an existing context",
      );
    }
  }
  return fromObject(spec, env);
}

function fromObject(spec: ClusterObject, env: NodeJS.ProcessEnv): ResolvedCluster {
  if ("inCluster" in spec) return inCluster();
  if ("kubeconfig" in spec) return { ...fromString(spec.kubeconfig, spec.context, "inline kubeconfig"), inline: spec.kubeconfig };
  if ("file" in spec) return fromFile(expandHome(spec.file), spec.context);
  return fromDefaultFiles(env, spec.context);
}

function defaultCluster(env: NodeJS.ProcessEnv): ResolvedCluster {
  const files = defaultFiles(env);
  if (files.length) return fromDefaultFiles(env, undefined);
  if (existsSync(`${SA_DIR}/token`)) return inCluster();
  throw configError(
    "no cluster configured: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod with a service account",
    "pass cluster: ... to the task, set KUBECONFIG, or map clusters with run({ services: kubernetes({ default: ... }) })",
  );
}

function defaultFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean).map(expandHome);
  const home = resolve(env.HOME ?? homedir(), ".kube", "config");
  return existsSync(home) ? [home] : [];
}

function fromDefaultFiles(env: NodeJS.ProcessEnv, context: string | undefined): ResolvedCluster {
  const files = defaultFiles(env);
  if (!files.length) throw configError("no default kubeconfig (KUBECONFIG unset and ~/.kube/config missing)", "set KUBECONFIG or pass cluster: { file: ... }");
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length === files.length) throw configError(`kubeconfig ${missing.join(", ")} does not exist (from KUBECONFIG)`, "fix KUBECONFIG or pass cluster: { file: ... }");
  const kc = new (clientNode().KubeConfig)();
  const present = files.filter((f) => existsSync(f));
  try {
    kc.loadFromFile(present[0]!);
    for (const f of present.slice(1)) {
      const more = new (clientNode().KubeConfig)();
      more.loadFromFile(f);
      kc.mergeConfig(more);
    }
  } catch (e) {
    throw configError(`kubeconfig ${present.join(", ")} could not be loaded: ${(e as Error).message}`, "fix the file (kubectl config view shows what kubectl sees)");
  }
  return finish(kc, context, present.join(delimiter), present.join(", "));
}

function fromFile(path: string, context: string | undefined): ResolvedCluster {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw configError(`kubeconfig ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "pass a readable kubeconfig file");
  }
  const r = fromString(text, context, `kubeconfig ${path}`);
  r.kc.makePathsAbsolute?.(resolve(path, ".."));
  return r;
}

function fromString(text: string, context: string | undefined, label: string): ResolvedCluster {
  const kc = new (clientNode().KubeConfig)();
  try {
    kc.loadFromString(text);
  } catch (e) {
    // Parse again only to say precisely what is wrong (client-node's YAML errors are terse).
    throw describeBadKubeconfig(text, label) ?? configError(`${label} could not be loaded: ${(e as Error).message}`, "fix the kubeconfig");
  }
  if (!kc.getClusters().length || !kc.getContexts().length) {
    throw describeBadKubeconfig(text, label) ?? configError(`${label} is not a kubeconfig: it needs clusters and contexts lists`, "pass a kubeconfig as written by kubectl (apiVersion: v1, kind: Config)");
  }
  return finish(kc, context, `${label}#${hash(text)}`, label);
}

function describeBadKubeconfig(text: string, label: string): Error | undefined {
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch (e) {
    return configError(`${label} is not valid YAML: ${(e as Error).message.split("\n")[0]}`, "check the kubeconfig's content (a secret holding it may be truncated or base64-encoded twice)");
  }
  const d = doc as { clusters?: unknown; contexts?: unknown } | null;
  if (!d || typeof d !== "object" || !Array.isArray(d.clusters) || !Array.isArray(d.contexts)) {
    return configError(`${label} is not a kubeconfig: it needs clusters and contexts lists`, "pass a kubeconfig as written by kubectl (apiVersion: v1, kind: Config)");
  }
  return undefined;
}

function finish(kc: KubeConfig, context: string | undefined, keyBase: string, label: string): ResolvedCluster {
  if (context !== undefined) {
    if (!kc.getContextObject(context)) {
      throw configError(`context "${context}" is not in ${label} (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`, "pass one of the listed contexts");
    }
    kc.setCurrentContext(context);
  }
  const current = kc.getCurrentContext();
  if (!current || !kc.getContextObject(current)) {
    throw configError(`${label} has no current-context${current ? ` ("${current}" is not defined)` : ""}`, `pass cluster: { ..., context: "<name>" } (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw configError(`context "${current}" in ${label} names cluster "${kc.getContextObject(current)?.cluster}", which is not defined`, "fix the kubeconfig's contexts and clusters");
  if (!cluster.server) throw configError(`cluster "${cluster.name}" in ${label} has no server address`, "set clusters[].cluster.server");
  return { kc, key: `${keyBase}@${current}`, label: context ? `${label} (context ${context})` : label };
}

function inCluster(): ResolvedCluster {
  if (!process.env.KUBERNETES_SERVICE_HOST || !existsSync(`${SA_DIR}/token`)) {
    throw configError("inCluster: this process is not running in a Kubernetes pod (no KUBERNETES_SERVICE_HOST or service-account token)", "run inside a pod with a service account, or pass a kubeconfig");
  }
  const kc = new (clientNode().KubeConfig)();
  kc.loadFromCluster();
  return { kc, key: "in-cluster", label: "in-cluster service account" };
}

function relabel(r: ResolvedCluster, name: string): ResolvedCluster {
  return { ...r, label: `cluster "${name}"` };
}

function expandHome(p: string): string {
  return p.startsWith("~/") ? resolve(homedir(), p.slice(2)) : p;
}

function looksLikePath(s: string): boolean {
  return s.includes("/") || /\.(ya?ml|json|conf|config|kubeconfig)$/.test(s);
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}
