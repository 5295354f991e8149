/**
 * `kubectl.patch`: strategic merge (default for built-in kinds), JSON merge (default for custom
 * kinds, which do not take strategic merge) or JSON patch. Bodies are sent as given, so `$patch`
 * and `$setElementOrder` directives arrive intact.
 *
 * @example
 * .step("annotate", kubectl.patch({ kind: "Deployment", name: "web", patch: { spec: { template: { metadata: { annotations: { rotated: "v2" } } } } } }))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { connect } from "../cluster/connect.js";
import { objectPath } from "../client/discovery.js";
import type { KubeObject } from "../objects.js";
import { waitUntilReady } from "../wait/ready.js";
import { namespaceFor, resolveKind, target, waitSchema, waitTimeoutMs } from "./common.js";
import { DEFAULT_API_VERSION } from "../kinds.js";

const jsonPatchOps = z.array(
  z.strictObject({
    op: z.enum(["add", "remove", "replace", "move", "copy", "test"], { error: (i) => `${JSON.stringify(i.input)} is not a JSON patch op: use add, remove, replace, move, copy or test` }),
    path: z.string(),
    value: z.unknown().optional(),
    from: z.string().optional(),
  }),
);
type JsonPatchOp = z.output<typeof jsonPatchOps>[number];

/** An object (strategic/merge patch) or a list of operations; a union would only say "Invalid input" for a bad op. */
const patchSchema = z
  .custom<Record<string, unknown> | JsonPatchOp[]>((v) => typeof v === "object" && v !== null, "expected an object (a strategic or merge patch) or a list of JSON patch operations")
  .superRefine((v, ctx) => {
    if (!Array.isArray(v)) return;
    const r = jsonPatchOps.safeParse(v);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  });

const CONTENT_TYPE = { strategic: "application/strategic-merge-patch+json", merge: "application/merge-patch+json", json: "application/json-patch+json" } as const;

export const patch = defineTask({
  type: "kubernetes.patch",
  description: "Patch one object (strategic merge, JSON merge or JSON patch)",
  input: z
    .strictObject({
      kind: z.string().min(1),
      apiVersion: z.string().min(1).optional(),
      name: z.string().min(1),
      ...target,
      patch: patchSchema,
      type: z.enum(["strategic", "merge", "json"]).optional().describe("default: strategic for built-in kinds, merge for custom kinds; json for an RFC 6902 list"),
      fieldManager: z.string().min(1).default("capstan"),
      dryRun: z.boolean().default(false),
      waitUntilReady: waitSchema,
    })
    .refine((p) => !(Array.isArray(p.patch) && p.type && p.type !== "json"), { message: "a list of operations is a JSON patch: use type: \"json\"", path: ["type"] })
    .refine((p) => !(!Array.isArray(p.patch) && p.type === "json"), { message: "a JSON patch is a list of operations ({ op, path, value })", path: ["patch"] }),
  run: async (p, ctx) => {
    const client = await connect(ctx, p.cluster);
    const res = await resolveKind(client, p.kind, p.apiVersion, ctx.signal);
    const ns = res.namespaced ? namespaceFor(client, p.namespace) : undefined;
    const type = p.type ?? (Array.isArray(p.patch) ? "json" : p.kind in DEFAULT_API_VERSION ? "strategic" : "merge");
    const live = await client.json<KubeObject>("PATCH", objectPath(res, ns, p.name), {
      body: p.patch,
      contentType: CONTENT_TYPE[type],
      query: { fieldManager: p.fieldManager, dryRun: p.dryRun ? "All" : undefined },
      signal: ctx.signal,
      onRetry: (m) => ctx.log.warn(m),
    });
    ctx.log.info(`${p.kind} ${ns ? `${ns}/` : ""}${p.name} patched (${type})`);
    const timeoutMs = waitTimeoutMs(p.waitUntilReady);
    const final = timeoutMs === undefined || p.dryRun ? live : await waitUntilReady(client, res, live, { timeoutMs, signal: ctx.signal, log: ctx.log });
    return summary(final);
  },
});

export function summary(o: KubeObject): { kind: string; name: string; namespace?: string; uid: string; resourceVersion: string; generation?: number } {
  return {
    kind: o.kind,
    name: o.metadata.name!,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    uid: o.metadata.uid ?? "",
    resourceVersion: o.metadata.resourceVersion ?? "",
    ...(o.metadata.generation !== undefined ? { generation: o.metadata.generation } : {}),
  };
}
