/**
 * POST (create), PUT (update) and PATCH (JSON patch, merge patch, strategic merge patch and
 * server-side apply) of objects and of their `/status` subresource. Every write honours `dryRun`,
 * `fieldValidation` (warnings go out as `Warning:` headers) and `fieldManager`.
 */

import { parse as parseYaml } from "yaml";
import { apiVersionOf, type ResourceInfo } from "../discovery/resources.js";
import { badRequest, notFound, StatusError } from "../store/errors.js";
import { isPlainObject } from "../store/json.js";
import type { WriteOptions, WriteResult } from "../store/object-store.js";
import type { KubeObject } from "../store/types.js";
import type { Call } from "./context.js";
import { mediaType, parseJsonBody, readBody, readBodyBytes } from "./http.js";
import { decodeProtobufObject } from "./protobuf/decode.js";
import { managerFromUserAgent, writeParams } from "./query.js";
import { respondObject } from "./read.js";

export const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml", "application/strategic-merge-patch+json"];

function warningHeaders(warnings: string[]): Record<string, string[]> {
  return warnings.length > 0 ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}

/** Decodes a create/update body: JSON (or YAML), with apiVersion/kind inferred from the URL when absent. */
async function objectBody(call: Call): Promise<KubeObject> {
  const type = mediaType(call.req.headers["content-type"]);
  const bytes = await readBodyBytes(call.req);
  const text = bytes.toString("utf8");
  let body: unknown;
  if (type === "application/vnd.kubernetes.protobuf") {
    body = decodeProtobufObject(bytes);
  } else if (type === "application/yaml") {
    try {
      body = parseYaml(text);
    } catch (err) {
      throw badRequest(`error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (type === "" || type === "application/json" || type === "*/*") {
    body = parseJsonBody(text);
  } else {
    throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor`);
  }
  return asObject(call.resource, body);
}

function asObject(resource: ResourceInfo, body: unknown): KubeObject {
  if (!isPlainObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  const expected = apiVersionOf(resource);
  // Typed client-node calls send no apiVersion/kind: the URL says what it is.
  if (body["apiVersion"] !== undefined && body["apiVersion"] !== expected) {
    throw badRequest(`the API version in the data (${String(body["apiVersion"])}) does not match the expected API version (${expected})`);
  }
  if (body["kind"] !== undefined && body["kind"] !== resource.kind) {
    throw badRequest(`the kind in the data (${String(body["kind"])}) does not match the expected kind (${resource.kind})`);
  }
  const metadata = isPlainObject(body["metadata"]) ? body["metadata"] : {};
  return { ...body, apiVersion: expected, kind: resource.kind, metadata } as KubeObject;
}

function checkNamespace(call: Call, obj: KubeObject): void {
  if (!call.resource.namespaced) return;
  const urlNs = call.info.namespace ?? "";
  const bodyNs = obj.metadata.namespace;
  if (bodyNs !== undefined && bodyNs !== "" && bodyNs !== urlNs) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  obj.metadata.namespace = urlNs;
}

function subresourceOf(call: Call): "status" | undefined {
  return call.info.subresource === "status" ? "status" : undefined;
}

export async function handleCreate(call: Call): Promise<void> {
  const params = writeParams(call.query, "CreateOptions");
  const obj = await objectBody(call);
  checkNamespace(call, obj);
  const result = call.ctx.store.createObject(call.resource, obj, {
    dryRun: params.dryRun,
    manager: params.fieldManager ?? managerFromUserAgent(call.req),
    fieldValidation: params.fieldValidation,
  });
  respondObject(call, 201, result.object, warningHeaders(result.warnings));
}

export async function handleUpdate(call: Call): Promise<void> {
  const params = writeParams(call.query, "UpdateOptions");
  const obj = await objectBody(call);
  checkNamespace(call, obj);
  const name = call.info.name ?? "";
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  obj.metadata.name = name;
  const options: WriteOptions = { dryRun: params.dryRun, manager: params.fieldManager ?? managerFromUserAgent(call.req), fieldValidation: params.fieldValidation };
  const sub = subresourceOf(call);
  if (sub) options.subresource = sub;
  const result = call.ctx.store.updateObject(call.resource, obj, options);
  respondObject(call, 200, result.object, warningHeaders(result.warnings));
}

export async function handlePatch(call: Call): Promise<void> {
  const params = writeParams(call.query, "PatchOptions");
  const type = mediaType(call.req.headers["content-type"]);
  if (!PATCH_TYPES.includes(type)) {
    throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`);
  }
  const isApply = type === "application/apply-patch+yaml";
  if (isApply && !params.fieldManager) {
    throw new StatusError(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, {
      group: "meta.k8s.io",
      kind: "PatchOptions",
      causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
    });
  }
  if (!isApply && params.force) {
    throw new StatusError(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch`, {
      group: "meta.k8s.io",
      kind: "PatchOptions",
      causes: [{ reason: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch", field: "force" }],
    });
  }
  const text = await readBody(call.req);
  const { ctx, resource, info } = call;
  const name = info.name ?? "";
  const sub = subresourceOf(call);
  const live = ctx.store.peek(resource, info.namespace, name);
  const manager = params.fieldManager ?? managerFromUserAgent(call.req);
  const base: WriteOptions = { dryRun: params.dryRun, fieldValidation: params.fieldValidation, manager, operation: isApply ? "apply" : "patch" };
  if (sub) base.subresource = sub;

  let result: WriteResult;
  let code = 200;
  if (isApply) {
    let applied: unknown;
    try {
      // Clients (client-node, Capstan) send apply bodies as JSON, which is YAML too: take the fast path first.
      applied = text.trimStart().startsWith("{") ? tryJson(text) ?? parseYaml(text) : parseYaml(text);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    const obj = asObject(resource, applied);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    checkNamespace(call, obj);
    if (!live && sub) throw notFound(resource.group, resource.resource, name);
    const merged = ctx.patcher.apply(resource, live, obj, params.fieldManager as string, params.force, sub);
    const opts: WriteOptions = { ...base, managedFieldsSet: true };
    if (live) {
      merged.metadata = { ...merged.metadata, resourceVersion: live.metadata.resourceVersion };
      result = ctx.store.updateObject(resource, merged, opts);
    } else {
      result = ctx.store.createObject(resource, merged, opts);
      code = 201;
    }
  } else {
    if (!live) throw notFound(resource.group, resource.resource, name);
    const body = parseJsonBody(text);
    let patched: KubeObject;
    if (type === "application/json-patch+json") patched = ctx.patcher.jsonPatch(resource, live, body);
    else if (type === "application/merge-patch+json") patched = ctx.patcher.mergePatch(resource, live, body);
    else patched = ctx.patcher.strategicMergePatch(resource, live, body);
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) throw badRequest("the patched object is not an object");
    patched = { ...patched, metadata: { ...patched.metadata } };
    if (patched.metadata.name !== name) throw badRequest(`the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`);
    // A resourceVersion the patch sets is a precondition; otherwise the patch applies to what it read.
    const patchRv = isPlainObject(body) && isPlainObject(body["metadata"]) ? body["metadata"]["resourceVersion"] : undefined;
    if (typeof patchRv !== "string") patched.metadata.resourceVersion = live.metadata.resourceVersion;
    if (patched.metadata.namespace === undefined && live.metadata.namespace !== undefined) patched.metadata.namespace = live.metadata.namespace;
    result = ctx.store.updateObject(resource, patched, base);
  }
  respondObject(call, code, result.object, warningHeaders(result.warnings));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
