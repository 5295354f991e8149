/** Parameters every Kubernetes task shares, and the helpers tasks use to find resources. */
import { z } from "zod";
import { CapstanError, type Duration } from "@capstan/core";
import { clusterSchema } from "../cluster/spec.js";
import type { KubeClient } from "../client/client.js";
import { resourceFor, type ResourceInfo } from "../client/discovery.js";
import { DEFAULT_API_VERSION, type KnownKind } from "../kinds.js";

export const durationSchema = z.union([z.number().nonnegative(), z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, 'expected a duration like "30s", "5m" or milliseconds')]);

/** `true` waits with the default timeout (5m); a duration sets it. */
export const waitSchema = z.union([z.boolean(), durationSchema]).default(false);

export const target = {
  cluster: clusterSchema,
  namespace: z.string().min(1).optional().describe("namespace (default: the context's namespace, else default)"),
};

export function waitTimeoutMs(wait: boolean | number | string): number | undefined {
  if (wait === false) return undefined;
  if (wait === true) return 5 * 60_000;
  return durationMs(wait);
}

export function durationMs(d: Duration): number {
  if (typeof d === "number") return d;
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms"];
  return total;
}

/** The namespace a task acts in: explicit, else the object's, else the kubeconfig context's, else `default`. */
export function namespaceFor(client: KubeClient, explicit: string | undefined, fromObject?: string): string {
  return explicit ?? fromObject ?? client.kc.getContextObject(client.kc.getCurrentContext())?.namespace ?? "default";
}

export async function resolveKind(client: KubeClient, kind: string, apiVersion: string | undefined, signal: AbortSignal): Promise<ResourceInfo> {
  const version = apiVersion ?? DEFAULT_API_VERSION[kind as KnownKind];
  if (!version) {
    throw new CapstanError("CAPSTAN_K8S_UNKNOWN_KIND", `kind "${kind}" is not a built-in kind, so its apiVersion is needed`, {
      hint: 'pass apiVersion, e.g. { kind: "SparkApplication", apiVersion: "sparkoperator.k8s.io/v1beta2" }',
      retryable: false,
    });
  }
  return resourceFor(client, version, kind, signal);
}
