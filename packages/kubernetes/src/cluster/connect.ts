/**
 * Connections for a run: one KubeClient per distinct cluster, shared by every task of the
 * execution (so limits are per cluster, not per step) and dropped with the execution.
 */
import { isSecretRef, type SecretRef, type TaskContext, type WithSecrets } from "@capstan/core";
import type { ClusterObject, ClusterSpec, KubernetesServices, ResolvedServices } from "./spec.js";
import { resolveCluster } from "./resolve.js";
import { markClusterCredentials } from "./credentials.js";
import { KubeClient } from "../client/client.js";
import { loadClientNode } from "../client/client-node.js";
import { RequestLimiter } from "../client/limiter.js";
import { DEFAULT_RETRY } from "../client/retry.js";

const pools = new WeakMap<object, Map<string, KubeClient>>();

export async function connect(ctx: Pick<TaskContext, "execution" | "services" | "onExecutionEnd" | "secret" | "log">, spec: ClusterSpec): Promise<KubeClient> {
  const services = await resolveServiceSecrets(ctx, ctx.services.kubernetes as KubernetesServices | undefined);
  await loadClientNode();
  const resolved = resolveCluster(spec, services);
  let pool = pools.get(ctx.execution);
  if (!pool) pools.set(ctx.execution, (pool = new Map()));
  let client = pool.get(resolved.key);
  if (!client) {
    const limits = { concurrency: 32, qps: 50, burst: 100, ...services?.limits };
    const retry = { ...DEFAULT_RETRY, ...services?.retry };
    // Before the first request: client-node's errors and the step's logs may hold a bare token.
    const onBearerToken = markClusterCredentials(ctx, resolved);
    client = new KubeClient(resolved.label, resolved.kc, new RequestLimiter(limits), retry, onBearerToken);
    pool.set(resolved.key, client);
    // Idle keep-alive sockets would otherwise hold the process open after the flow finished.
    const opened = client;
    ctx.onExecutionEnd(() => opened.close());
  }
  return client;
}

/**
 * Cluster mappings given to the run may hold `secret(...)` kubeconfigs (they are not task
 * parameters, so the engine does not resolve them): resolve the ones this run uses, here.
 */
async function resolveServiceSecrets(ctx: Pick<TaskContext, "secret">, services: KubernetesServices | undefined): Promise<ResolvedServices | undefined> {
  if (!services) return undefined;
  const one = async (c: WithSecrets<ClusterObject> | string | undefined): Promise<ClusterObject | string | undefined> => {
    if (c && typeof c === "object" && "kubeconfig" in c && isSecretRef(c.kubeconfig)) return { ...(c as ClusterObject), kubeconfig: await ctx.secret((c.kubeconfig as SecretRef).name) } as ClusterObject;
    return c as ClusterObject | string | undefined;
  };
  const hasSecret = (c: unknown) => typeof c === "object" && c !== null && isSecretRef((c as { kubeconfig?: unknown }).kubeconfig);
  if (!hasSecret(services.default) && !Object.values(services.clusters ?? {}).some(hasSecret)) return services as ResolvedServices;
  const clusters = Object.fromEntries(await Promise.all(Object.entries(services.clusters ?? {}).map(async ([k, v]) => [k, (await one(v))!] as const)));
  const def = await one(services.default);
  const { default: _unused, ...rest } = services;
  return { ...rest, clusters, ...(def !== undefined ? { default: def } : {}) };
}
