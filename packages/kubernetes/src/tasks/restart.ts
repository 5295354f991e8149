/**
 * `kubectl.restart`: a rolling restart of Deployments, StatefulSets or DaemonSets, done the way
 * `kubectl rollout restart` does it (a `kubectl.kubernetes.io/restartedAt` annotation on the pod
 * template), optionally waiting until the rollout has completed.
 *
 * @example
 * .step("restart", ({ item }) => kubectl.restart({ kind: "Deployment", name: item, wait: true }))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { connect } from "../cluster/connect.js";
import { objectPath } from "../client/discovery.js";
import type { KubeObject } from "../objects.js";
import { waitUntilReady } from "../wait/ready.js";
import { namespaceFor, resolveKind, target, waitSchema, waitTimeoutMs } from "./common.js";

export const restart = defineTask({
  type: "kubernetes.restart",
  description: "Rolling restart of Deployments, StatefulSets or DaemonSets",
  input: z
    .strictObject({
      kind: z.enum(["Deployment", "StatefulSet", "DaemonSet"]),
      name: z.string().min(1).optional(),
      names: z.array(z.string().min(1)).min(1).optional(),
      ...target,
      wait: waitSchema.describe("wait until the rollout completes: true (5m) or a timeout"),
      fieldManager: z.string().min(1).default("capstan"),
    })
    .refine((p) => Boolean(p.name) !== Boolean(p.names), { message: "pass name or names", path: ["name"] }),
  run: async (p, ctx): Promise<{ restarted: { name: string; restartedAt: string }[] }> => {
    const client = await connect(ctx, p.cluster);
    const res = await resolveKind(client, p.kind, undefined, ctx.signal);
    const ns = namespaceFor(client, p.namespace);
    // kubectl writes time.Now().Format(time.RFC3339): second precision, UTC.
    const restartedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const timeoutMs = waitTimeoutMs(p.wait);
    const restarted = await Promise.all(
      (p.name ? [p.name] : p.names!).map(async (name) => {
        const live = await client.json<KubeObject>("PATCH", objectPath(res, ns, name), {
          body: { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": restartedAt } } } } },
          contentType: "application/strategic-merge-patch+json",
          query: { fieldManager: p.fieldManager },
          signal: ctx.signal,
          onRetry: (m) => ctx.log.warn(m),
        });
        ctx.log.info(`${p.kind} ${ns}/${name} restarted`);
        if (timeoutMs !== undefined) await waitUntilReady(client, res, live, { timeoutMs, signal: ctx.signal, log: ctx.log });
        return { name, restartedAt };
      }),
    );
    return { restarted };
  },
});
