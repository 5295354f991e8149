/**
 * `kubectl.get`: read live state into typed flow values. With `name`, the output is the object
 * itself, typed by its kind (`kind: "Deployment"` → a V1Deployment as JSON); otherwise a list
 * (names, label/field selectors, all namespaces), optionally streamed to an artifact as JSON lines
 * for large lists. Can wait until the object is ready, or until a predicate holds.
 *
 * @example
 * .step("status", kubectl.get({ kind: "Deployment", name: "web", namespace: "staging" }))
 * .if("ready", ({ steps }) => steps.status.status?.readyReplicas === steps.status.spec?.replicas, ...)
 */
import { z } from "zod";
import { defineTask, type Lazy, type Task, type WithSecrets } from "@capstan/core";
import { connect } from "../cluster/connect.js";
import type { ClusterSpec } from "../cluster/spec.js";
import { objectPath } from "../client/discovery.js";
import { KubernetesError } from "../errors.js";
import type { ObjectOf } from "../kinds.js";
import type { KubeObject } from "../objects.js";
import { waitUntilReady } from "../wait/ready.js";
import { waitForObject } from "../wait/watch.js";
import { durationMs, durationSchema, namespaceFor, resolveKind, target, waitSchema, waitTimeoutMs } from "./common.js";

const input = z
  .strictObject({
    kind: z.string().min(1),
    apiVersion: z.string().min(1).optional().describe("needed for custom kinds; built-in kinds have a default"),
    name: z.string().min(1).optional(),
    names: z.array(z.string().min(1)).min(1).optional(),
    ...target,
    allNamespaces: z.boolean().default(false),
    labelSelector: z.string().optional(),
    fieldSelector: z.string().optional(),
    limit: z.number().int().positive().optional().describe("page size for lists (all pages are read)"),
    store: z.boolean().default(false).describe("write the list to an artifact as JSON lines instead of returning items"),
    optional: z.boolean().default(false).describe("with name: a missing object gives null instead of an error"),
    waitUntilReady: waitSchema,
    waitFor: z.custom<(obj: never) => boolean>((v) => typeof v === "function", "expected a function (object) => boolean").optional(),
    timeout: durationSchema.default("5m").describe("for waitFor"),
  })
  .refine((p) => !(p.name && p.names), { message: "pass name or names, not both", path: ["names"] })
  .refine((p) => !p.waitFor || p.name, { message: "waitFor needs a name", path: ["waitFor"] });

export interface ListResult<T> {
  items: T[];
  count: number;
  /** With `store: true`: the artifact holding one object per line (items is then empty). */
  uri?: string;
}

export const getTask = defineTask({
  type: "kubernetes.get",
  description: "Read one object or a list from a cluster",
  input,
  run: async (p, ctx): Promise<unknown> => {
    const client = await connect(ctx, p.cluster);
    const res = await resolveKind(client, p.kind, p.apiVersion, ctx.signal);
    const ns = res.namespaced && !p.allNamespaces ? namespaceFor(client, p.namespace) : undefined;
    const opts = { signal: ctx.signal, onRetry: (m: string) => ctx.log.warn(m) };
    if (p.name) {
      let obj: KubeObject | null;
      if (p.waitFor) {
        const pred = p.waitFor as unknown as (o: KubeObject) => boolean;
        obj = (await waitForObject(client, res, ns, p.name, (o) => ({ done: o !== undefined && pred(o), message: o ? "waiting for the condition" : "not found yet" }), {
          timeoutMs: durationMs(p.timeout),
          signal: ctx.signal,
        }))!;
      } else {
        try {
          obj = await client.json<KubeObject>("GET", objectPath(res, ns, p.name), opts);
        } catch (e) {
          if (p.optional && e instanceof KubernetesError && e.httpStatus === 404) return null;
          throw e;
        }
      }
      const timeoutMs = waitTimeoutMs(p.waitUntilReady);
      return timeoutMs === undefined ? obj : waitUntilReady(client, res, obj, { timeoutMs, signal: ctx.signal, log: ctx.log });
    }
    let items: KubeObject[] = [];
    if (p.names) {
      items = await Promise.all(p.names.map((n) => client.json<KubeObject>("GET", objectPath(res, ns, n), opts)));
    } else {
      let cont: string | undefined;
      do {
        const page = await client.json<{ items: KubeObject[]; metadata?: { continue?: string } }>("GET", objectPath(res, ns), {
          ...opts,
          query: { labelSelector: p.labelSelector, fieldSelector: p.fieldSelector, limit: p.limit, continue: cont },
        });
        const kindName = p.kind;
        // List items carry no apiVersion/kind on the wire: put them back so each item stands alone.
        for (const it of page.items) items.push({ ...it, apiVersion: res.apiVersion, kind: kindName });
        cont = page.metadata?.continue || undefined;
      } while (cont);
    }
    if (p.store) {
      const info = await ctx.storage.put(`${ctx.execution.flowId}/${ctx.execution.id}/${ctx.step.path}/${p.kind.toLowerCase()}s.jsonl`, items.map((o) => JSON.stringify(o)).join("\n") + (items.length ? "\n" : ""), { contentType: "application/x-ndjson" });
      ctx.log.info(`${items.length} ${p.kind} objects stored at ${info.uri}`);
      return { items: [], count: items.length, uri: info.uri };
    }
    ctx.log.info(`${items.length} ${p.kind} object${items.length === 1 ? "" : "s"}`);
    return { items, count: items.length };
  },
});

type GetParams = WithSecrets<Omit<z.input<typeof input>, "cluster" | "waitFor">> & { cluster?: WithSecrets<ClusterSpec>; waitFor?: (obj: any) => boolean };
type Output<P> = P extends { name: string } ? (P extends { optional: true } ? ObjectOf<KindOf<P>> | null : ObjectOf<KindOf<P>>) : ListResult<ObjectOf<KindOf<P>>>;
type KindOf<P> = P extends { kind: infer K extends string } ? K : string;

/** Typed by kind: `get({ kind: "Deployment", name })` outputs a Deployment; without a name, a list. */
export function get<const P extends GetParams, C = any>(params: Lazy<P, C>): Task<"kubernetes.get", Output<P>, C> {
  return getTask(params as never) as never;
}
