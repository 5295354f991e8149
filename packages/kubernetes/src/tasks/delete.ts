/**
 * `kubectl.delete`: by name(s) or label selector, with a propagation policy and an optional wait
 * until the objects are gone. A missing object is a no-op unless `missing: "error"`.
 *
 * @example
 * .step("cleanup", kubectl.delete({ kind: "Job", names: ["train-1", "train-2"], wait: "2m" }))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { connect } from "../cluster/connect.js";
import { objectPath } from "../client/discovery.js";
import { KubernetesError } from "../errors.js";
import type { KubeObject } from "../objects.js";
import { waitForObject } from "../wait/watch.js";
import { namespaceFor, resolveKind, target, waitSchema, waitTimeoutMs } from "./common.js";

export const del = defineTask({
  type: "kubernetes.delete",
  description: "Delete objects by name or label selector",
  input: z
    .strictObject({
      kind: z.string().min(1),
      apiVersion: z.string().min(1).optional(),
      name: z.string().min(1).optional(),
      names: z.array(z.string().min(1)).min(1).optional(),
      labelSelector: z.string().min(1).optional(),
      ...target,
      propagationPolicy: z.enum(["Foreground", "Background", "Orphan"]).default("Background"),
      gracePeriodSeconds: z.number().int().nonnegative().optional(),
      missing: z.enum(["ignore", "error"]).default("ignore").describe("what a missing object means"),
      wait: waitSchema.describe("wait until the objects are gone"),
      dryRun: z.boolean().default(false),
    })
    .refine((p) => [p.name, p.names, p.labelSelector].filter(Boolean).length === 1, { message: "pass exactly one of name, names or labelSelector", path: ["name"] }),
  run: async (p, ctx): Promise<{ deleted: string[]; missing: string[] }> => {
    const client = await connect(ctx, p.cluster);
    const res = await resolveKind(client, p.kind, p.apiVersion, ctx.signal);
    const ns = res.namespaced ? namespaceFor(client, p.namespace) : undefined;
    let names = p.name ? [p.name] : (p.names ?? []);
    if (p.labelSelector) {
      const list = await client.json<{ items: KubeObject[] }>("GET", objectPath(res, ns), { query: { labelSelector: p.labelSelector }, signal: ctx.signal });
      names = list.items.map((o) => o.metadata.name!);
    }
    const deleted: string[] = [];
    const missing: string[] = [];
    await Promise.all(
      names.map(async (name) => {
        try {
          await client.request("DELETE", objectPath(res, ns, name), {
            query: { propagationPolicy: p.propagationPolicy, gracePeriodSeconds: p.gracePeriodSeconds, dryRun: p.dryRun ? "All" : undefined },
            signal: ctx.signal,
            onRetry: (m) => ctx.log.warn(m),
          });
          deleted.push(name);
        } catch (e) {
          if (!(e instanceof KubernetesError && e.httpStatus === 404) || p.missing === "error") throw e;
          missing.push(name);
        }
      }),
    );
    ctx.log.info(`deleted ${deleted.length} ${p.kind}${deleted.length === 1 ? "" : "s"}${missing.length ? ` (${missing.length} already gone)` : ""}`);
    const timeoutMs = waitTimeoutMs(p.wait);
    if (timeoutMs !== undefined && !p.dryRun) {
      await Promise.all(deleted.map((name) => waitForObject(client, res, ns, name, (o) => ({ done: o === undefined, message: o ? "terminating" : "gone" }), { timeoutMs, signal: ctx.signal })));
    }
    return { deleted: deleted.sort(), missing: missing.sort() };
  },
});
