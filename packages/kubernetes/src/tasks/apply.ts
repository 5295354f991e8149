/**
 * `kubectl.apply`: server-side apply of objects or multi-document YAML, with a field manager,
 * `force` to take over conflicting fields, dry runs, and readiness waits that understand
 * Deployments, StatefulSets, DaemonSets, Jobs, Pods, PVCs and CRDs.
 *
 * @example
 * .step("deploy", kubectl.apply({ manifest: readFileSync("app.yaml", "utf8"), namespace: "prod", waitUntilReady: "5m" }))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { connect } from "../cluster/connect.js";
import { loadClientNode } from "../client/client-node.js";
import { objectPath, resourceFor } from "../client/discovery.js";
import { parseManifest, type KubeObject } from "../objects.js";
import { waitUntilReady } from "../wait/ready.js";
import { namespaceFor, target, waitSchema, waitTimeoutMs } from "./common.js";

const manifestSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).min(1)]);

export interface AppliedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
}

// Namespaces and CRDs first, as kubectl users expect objects that depend on them to apply after.
const ORDER: Record<string, number> = { Namespace: 0, CustomResourceDefinition: 1 };

export const apply = defineTask({
  type: "kubernetes.apply",
  description: "Server-side apply objects (or multi-document YAML) to a cluster",
  input: z.strictObject({
    manifest: manifestSchema.describe("objects, or YAML/JSON text with one or more documents"),
    ...target,
    fieldManager: z.string().min(1).default("capstan"),
    force: z.boolean().default(false).describe("take ownership of fields another manager owns"),
    dryRun: z.boolean().default(false),
    waitUntilReady: waitSchema.describe("wait until every object is ready: true (5m) or a timeout"),
  }),
  run: async (input, ctx): Promise<{ objects: AppliedObject[] }> => {
    await loadClientNode();
    const objects = parseManifest(input.manifest as string);
    const client = await connect(ctx, input.cluster);
    const sorted = objects.map((o, i) => [o, i] as const).sort(([a, i], [b, j]) => (ORDER[a.kind] ?? 9) - (ORDER[b.kind] ?? 9) || i - j).map(([o]) => o);
    // Resolve every kind before the first write, so an unknown kind or apiVersion in any document
    // fails with nothing applied. Kinds a CRD of this manifest defines resolve only once it is applied.
    const crdGroups = new Set(objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => (o.spec as { group?: unknown } | undefined)?.group));
    const resolved = new Map<KubeObject, Awaited<ReturnType<typeof resourceFor>>>();
    for (const obj of sorted) {
      if (!crdGroups.has(obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "")) resolved.set(obj, await resourceFor(client, obj.apiVersion, obj.kind, ctx.signal));
    }
    const applied: { res: Awaited<ReturnType<typeof resourceFor>>; live: KubeObject }[] = [];
    for (const obj of sorted) {
      const res = resolved.get(obj) ?? (await resourceFor(client, obj.apiVersion, obj.kind, ctx.signal));
      const ns = res.namespaced ? namespaceFor(client, obj.metadata.namespace ?? input.namespace) : undefined;
      const body = { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } };
      const live = await client.json<KubeObject>("PATCH", objectPath(res, ns, obj.metadata.name), {
        body,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: input.fieldManager, force: input.force || undefined, dryRun: input.dryRun ? "All" : undefined, fieldValidation: "Strict" },
        signal: ctx.signal,
        onRetry: (m) => ctx.log.warn(m),
      });
      ctx.log.info(`${live.kind} ${ns ? `${ns}/` : ""}${live.metadata.name} ${input.dryRun ? "applied (dry run)" : "applied"}`);
      applied.push({ res, live });
    }
    const timeoutMs = waitTimeoutMs(input.waitUntilReady);
    if (timeoutMs !== undefined && !input.dryRun) {
      await Promise.all(applied.map(({ res, live }) => waitUntilReady(client, res, live, { timeoutMs, signal: ctx.signal, log: ctx.log })));
    }
    return {
      objects: applied.map(({ live }) => ({
        apiVersion: live.apiVersion,
        kind: live.kind,
        name: live.metadata.name!,
        ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}),
        uid: live.metadata.uid ?? "",
        resourceVersion: live.metadata.resourceVersion ?? "",
        ...(live.metadata.generation !== undefined ? { generation: live.metadata.generation } : {}),
      })),
    };
  },
});
