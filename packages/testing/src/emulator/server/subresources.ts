/** `/scale`, `pods/{name}/log` and `pods/{name}/eviction`. (`/status` goes through read/write.) */

import { badRequest, notFound, StatusError } from "../store/errors.js";
import { isPlainObject } from "../store/json.js";
import type { KubeObject } from "../store/types.js";
import type { LogOptions } from "../kubelet/types.js";
import type { Call } from "./context.js";
import { mediaType, parseJsonBody, readBody, sendJson } from "./http.js";
import { managerFromUserAgent, writeParams } from "./query.js";
import { PATCH_TYPES } from "./write.js";

function selectorText(selector: unknown): string {
  if (!isPlainObject(selector)) return "";
  const parts: string[] = [];
  const ml = isPlainObject(selector["matchLabels"]) ? selector["matchLabels"] : {};
  for (const k of Object.keys(ml).sort()) parts.push(`${k}=${String(ml[k])}`);
  for (const e of Array.isArray(selector["matchExpressions"]) ? selector["matchExpressions"] : []) {
    const ex = e as { key?: string; operator?: string; values?: string[] };
    const op = ex.operator ?? "";
    if (op === "Exists") parts.push(String(ex.key));
    else if (op === "DoesNotExist") parts.push(`!${String(ex.key)}`);
    else parts.push(`${String(ex.key)} ${op.toLowerCase()} (${(ex.values ?? []).join(",")})`);
  }
  return parts.join(",");
}

function scaleOf(obj: KubeObject): KubeObject {
  const spec = (obj["spec"] ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj["status"] ?? {}) as { replicas?: number };
  const meta = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: selectorText(spec.selector) },
  };
}

export async function handleScale(call: Call): Promise<void> {
  const { ctx, resource, info } = call;
  const name = info.name ?? "";
  const obj = ctx.store.peek(resource, info.namespace, name);
  if (!obj) throw notFound(resource.group, resource.resource, name);
  if (info.verb === "get") {
    sendJson(call.res, 200, scaleOf(obj));
    return;
  }
  const params = writeParams(call.query, info.verb === "patch" ? "PatchOptions" : "UpdateOptions");
  const text = await readBody(call.req);
  let scale: KubeObject;
  if (info.verb === "update") {
    scale = parseJsonBody(text) as KubeObject;
  } else if (info.verb === "patch") {
    const type = mediaType(call.req.headers["content-type"]);
    const current = scaleOf(obj);
    if (type === "application/json-patch+json") scale = ctx.patcher.jsonPatch(resource, current, parseJsonBody(text));
    else if (type === "application/merge-patch+json" || type === "application/strategic-merge-patch+json") scale = ctx.patcher.mergePatch(resource, current, parseJsonBody(text));
    else throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`);
  } else {
    throw new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  }
  const replicas = (scale["spec"] as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw new StatusError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${String(replicas)}: must be greater than or equal to 0`, {
      name,
      group: "autoscaling",
      kind: "Scale",
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" }],
    });
  }
  const rv = scale.metadata?.resourceVersion;
  const next: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: typeof rv === "string" && rv !== "" ? rv : obj.metadata.resourceVersion }, spec: { ...((obj["spec"] as object) ?? {}), replicas } };
  const result = ctx.store.updateObject(resource, next, { dryRun: params.dryRun, manager: params.fieldManager ?? managerFromUserAgent(call.req), managedSubresource: "scale" });
  sendJson(call.res, 200, scaleOf(result.object));
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return n;
}

export async function handleLog(call: Call): Promise<void> {
  const { ctx, info, query, res } = call;
  const runtime = ctx.runtime();
  const name = info.name ?? "";
  const ns = info.namespace ?? "default";
  if (!ctx.store.peek(call.resource, ns, name)) throw notFound("", "pods", name);
  if (!runtime) throw badRequest(`pod "${name}" has no running containers: the cluster runtime is disabled`);
  const options: LogOptions = {};
  const container = query.get("container");
  if (container && container !== "undefined") options.container = container;
  const bool = (k: string) => query.get(k) === "true";
  if (bool("follow")) options.follow = true;
  if (bool("timestamps")) options.timestamps = true;
  if (bool("previous")) options.previous = true;
  const sinceTime = query.get("sinceTime");
  if (sinceTime) options.sinceTime = sinceTime;
  const sinceSeconds = intParam(query, "sinceSeconds");
  if (sinceSeconds !== undefined) options.sinceSeconds = sinceSeconds;
  const tailLines = intParam(query, "tailLines");
  if (tailLines !== undefined) options.tailLines = tailLines;
  const limitBytes = intParam(query, "limitBytes");
  if (limitBytes !== undefined) options.limitBytes = limitBytes;

  const abort = new AbortController();
  call.signal.addEventListener("abort", () => abort.abort(), { once: true });
  // logs() validates synchronously (404 / 400 waiting to start) before any byte is written.
  const chunks = runtime.pods.logs(ns, name, options, abort.signal);
  res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  const iterator = chunks[Symbol.asyncIterator]();
  const cut = call.streamFault;
  let lines = 0;
  try {
    let result = await iterator.next();
    while (!result.done) {
      let chunk = result.value;
      if (cut) {
        // Cut after `after` complete lines: write up to and including that newline.
        let idx = -1;
        while (lines < cut.after) {
          idx = chunk.indexOf("\n", idx + 1);
          if (idx < 0) break;
          lines++;
        }
        if (lines >= cut.after) {
          chunk = chunk.slice(0, idx + 1);
          res.write(chunk);
          abort.abort();
          if (cut.mode === "reset") res.socket?.destroy();
          else res.end();
          return;
        }
      }
      if (res.destroyed) break;
      // Backpressure: a reader slower than the log would otherwise have all of it buffered here.
      if (!res.write(chunk)) await drained(res);
      result = await iterator.next();
    }
  } catch {
    // The stream broke after the headers went out: all we can do is end it.
  } finally {
    abort.abort();
  }
  res.end();
}

/** Resolves when a response can take more data, or is closed. */
function drained(res: Call["res"]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

export async function handleEviction(call: Call): Promise<void> {
  const { ctx, info } = call;
  const name = info.name ?? "";
  const ns = info.namespace ?? "default";
  const body = parseJsonBody(await readBody(call.req));
  const deleteOptions = isPlainObject(body) && isPlainObject(body["deleteOptions"]) ? body["deleteOptions"] : {};
  const dryRun = call.query.getAll("dryRun").includes("All") || (Array.isArray(deleteOptions["dryRun"]) && deleteOptions["dryRun"].includes("All"));
  const opts: { gracePeriodSeconds?: number; dryRun?: boolean } = { dryRun };
  if (typeof deleteOptions["gracePeriodSeconds"] === "number") opts.gracePeriodSeconds = deleteOptions["gracePeriodSeconds"];
  const runtime = ctx.runtime();
  if (!ctx.store.peek(call.resource, ns, name)) throw notFound("", "pods", name);
  if (runtime) {
    sendJson(call.res, 201, runtime.faults.evictPod(ns, name, opts));
    return;
  }
  const req = { dryRun, ...(opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds }) };
  ctx.store.deleteObject(call.resource, ns, name, req);
  sendJson(call.res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
}
