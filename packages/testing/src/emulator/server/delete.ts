/**
 * DELETE of one object and of collections. Like the apiserver, an object that is gone at once is
 * answered with itself for kinds with ReturnDeletedObject (pods, services, namespaces...) and with a
 * Success Status otherwise; an object that stays (finalizers, grace period) is answered with itself.
 */

import { StatusError } from "../store/errors.js";
import type { Call } from "./context.js";
import { mediaType, readBody, sendJson } from "./http.js";
import { deleteRequest } from "./query.js";
import { respondObject } from "./read.js";
import { apiVersionOf } from "../discovery/resources.js";

async function optionsBody(call: Call): Promise<unknown> {
  const text = await readBody(call.req);
  if (text.trim() === "") return undefined;
  const type = mediaType(call.req.headers["content-type"]);
  if (type !== "" && type !== "application/json") throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StatusError(400, "BadRequest", `error decoding DeleteOptions: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function handleDelete(call: Call): Promise<void> {
  const { ctx, resource, info } = call;
  const req = deleteRequest(call.query, await optionsBody(call));
  const name = info.name ?? "";
  const result = ctx.store.deleteObject(resource, info.namespace, name, req);
  const accepted = !result.removed && req.orphanDependents === false;
  if (!result.removed || resource.returnDeletedObject) {
    respondObject(call, accepted ? 202 : 200, result.object);
    return;
  }
  sendJson(call.res, 200, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name, group: resource.group, kind: resource.resource, uid: result.object.metadata.uid },
  });
}

export async function handleDeleteCollection(call: Call): Promise<void> {
  const { ctx, resource, info, query } = call;
  const req = deleteRequest(query, await optionsBody(call));
  const listed = ctx.store.scan(resource, info.namespace, {
    labelSelector: query.get("labelSelector") ?? undefined,
    fieldSelector: query.get("fieldSelector") ?? undefined,
  });
  const items = [];
  for (const obj of listed.items) {
    try {
      items.push(ctx.store.deleteObject(resource, obj.metadata.namespace, obj.metadata.name ?? "", req).object);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }
  sendJson(call.res, 200, { kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(ctx.store.currentRv()) }, items });
}
