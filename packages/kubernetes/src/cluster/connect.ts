/**
 * Connections for a run: one KubeClient per distinct cluster, shared by every task of the
 * execution (so limits are per cluster, not per step) and dropped with the execution.
 */
import type { TaskContext } from "@capstan/core";
import type { ClusterSpec, KubernetesServices } from "./spec.js";
import { resolveCluster } from "./resolve.js";
import { KubeClient } from "../client/client.js";
import { RequestLimiter } from "../client/limiter.js";
import { DEFAULT_RETRY } from "../client/retry.js";

const pools = new WeakMap<object, Map<string, KubeClient>>();

export function connect(ctx: Pick<TaskContext, "execution" | "services" | "onExecutionEnd">, spec: ClusterSpec): KubeClient {
  const services = ctx.services.kubernetes as KubernetesServices | undefined;
  const resolved = resolveCluster(spec, services);
  let pool = pools.get(ctx.execution);
  if (!pool) pools.set(ctx.execution, (pool = new Map()));
  let client = pool.get(resolved.key);
  if (!client) {
    const limits = { concurrency: 32, qps: 50, burst: 100, ...services?.limits };
    const retry = { ...DEFAULT_RETRY, ...services?.retry };
    client = new KubeClient(resolved.label, resolved.kc, new RequestLimiter(limits), retry);
    pool.set(resolved.key, client);
    // Idle keep-alive sockets would otherwise hold the process open after the flow finished.
    const opened = client;
    ctx.onExecutionEnd(() => opened.close());
  }
  return client;
}
