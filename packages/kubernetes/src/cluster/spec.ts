/**
 * Which cluster a task talks to. Every task takes `cluster`; omitted means the default
 * (`KUBECONFIG` / `~/.kube/config` current context, else the in-cluster service account).
 *
 * @example
 * kubectl.apply({ manifest, cluster: "tenant-a" })                               // a name: run mapping, a kubeconfig file, or a context
 * kubectl.apply({ manifest, cluster: { kubeconfig: secret("TENANT_A_KUBECONFIG") } }) // inline, never written to disk
 * kubectl.apply({ manifest, cluster: { file: "~/.kube/prod.yaml", context: "prod-eu" } })
 * kubectl.apply({ manifest, cluster: { context: "staging" } })
 * kubectl.apply({ manifest, cluster: { inCluster: true } })
 */
import { z } from "zod";
import type { WithSecrets } from "@capstan/core";

export const clusterObjectSchema = z.union([
  z.strictObject({ kubeconfig: z.string().min(1).describe("kubeconfig YAML content (use secret(...))"), context: z.string().optional() }),
  z.strictObject({ file: z.string().min(1).describe("path of a kubeconfig file"), context: z.string().optional() }),
  z.strictObject({ context: z.string().min(1).describe("a context of the default kubeconfig") }),
  z.strictObject({ inCluster: z.literal(true) }),
]);

export const clusterSchema = z
  .union([z.string().min(1).describe("a cluster name mapped by the run, a kubeconfig path, or a context name"), clusterObjectSchema])
  .optional();

export type ClusterObject = z.infer<typeof clusterObjectSchema>;
export type ClusterSpec = z.infer<typeof clusterSchema>;

/** What `run({ services: { kubernetes: ... } })` may carry. */
export interface KubernetesServices {
  /** Cluster names to connections: what `cluster: "tenant-a"` means in this run. Kubeconfigs may be `secret(...)`. */
  clusters?: Record<string, WithSecrets<ClusterObject> | string>;
  /** The cluster used when a task gives none (instead of KUBECONFIG / ~/.kube/config). */
  default?: WithSecrets<ClusterObject> | string;
  /** Per-cluster request limits. Defaults: 32 concurrent requests, 50 requests/s, burst 100. */
  limits?: { concurrency?: number; qps?: number; burst?: number };
  /** Retry policy for 429/5xx/connection failures. Defaults: 6 attempts, 250ms doubling to 10s, jittered. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

/** Services with every `secret(...)` resolved, as cluster resolution sees them. */
export type ResolvedServices = Omit<KubernetesServices, "clusters" | "default"> & { clusters?: Record<string, ClusterObject | string>; default?: ClusterObject | string };

/** Builds the `services` entry for a run: `run({ services: kubernetes({ clusters: {...} }) })`. */
export function kubernetes(services: KubernetesServices): { kubernetes: KubernetesServices } {
  return { kubernetes: services };
}
