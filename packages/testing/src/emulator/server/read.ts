/** GET of one object and of collections (JSON lists or Tables, with selectors and limit/continue). */

import { apiVersionOf } from "../discovery/resources.js";
import { notFound, StatusError } from "../store/errors.js";
import type { KubeObject } from "../store/types.js";
import type { Call } from "./context.js";
import { sendJson, tableVersion, wantsTable } from "./http.js";
import { buildTable, type IncludeObject } from "./table.js";

function includeObject(call: Call): IncludeObject {
  const v = call.query.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

export function handleGet(call: Call): void {
  const { resource, info, ctx } = call;
  const obj = ctx.store.peek(resource, info.namespace, info.name ?? "");
  if (!obj) throw notFound(resource.group, resource.resource, info.name ?? "");
  respondObject(call, 200, obj);
}

/** Writes an object as JSON, or as a one-row Table when kubectl asked for one. */
export function respondObject(call: Call, code: number, obj: KubeObject, headers: Record<string, string | string[]> = {}): void {
  if (wantsTable(call.req.headers.accept)) {
    const table = buildTable(call.resource, [obj], { include: includeObject(call), version: tableVersion(call.req.headers.accept), listMeta: { resourceVersion: obj.metadata.resourceVersion } });
    sendJson(call.res, code, table, headers);
    return;
  }
  sendJson(call.res, code, obj, headers);
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as ContinueToken;
    if (typeof parsed.start !== "string" || typeof parsed.rv !== "number") throw new Error("bad");
    return parsed;
  } catch {
    throw new StatusError(400, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
}

export function handleList(call: Call): void {
  const { resource, info, ctx, query } = call;
  const limitText = query.get("limit");
  const limit = limitText ? Number(limitText) : undefined;
  const token = query.get("continue");
  const after = token ? decodeContinue(token).start.replace(/\u0000$/, "") : undefined;
  const result = ctx.store.scan(resource, info.namespace, {
    labelSelector: query.get("labelSelector") ?? undefined,
    fieldSelector: query.get("fieldSelector") ?? undefined,
    after,
    limit: limit !== undefined && Number.isFinite(limit) ? limit : undefined,
  });
  const rv = ctx.store.currentRv();
  const meta: Record<string, unknown> = { resourceVersion: String(rv) };
  if (result.nextKey !== undefined) {
    meta["continue"] = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: `${result.nextKey}\u0000` })).toString("base64");
    if (result.remaining !== undefined) meta["remainingItemCount"] = result.remaining;
  }
  if (wantsTable(call.req.headers.accept)) {
    sendJson(call.res, 200, buildTable(resource, result.items, { include: includeObject(call), version: tableVersion(call.req.headers.accept), listMeta: meta }));
    return;
  }
  sendJson(call.res, 200, { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata: meta, items: result.items });
}
