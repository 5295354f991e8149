/** Non-resource paths: `/version`, discovery (`/api`, `/apis`, group-versions), OpenAPI, health. */

import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, negotiateAggregated, versionInfo } from "../discovery/documents.js";
import { pathNotFound, StatusError } from "../store/errors.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerContext } from "./context.js";
import { acceptsJson, sendJson } from "./http.js";

function send(res: ServerResponse, body: unknown, contentType = "application/json"): void {
  sendJson(res, 200, body, {}, contentType);
}

/** Handles the request if it is a non-resource or discovery path; returns false otherwise. */
export function handleNonResource(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const accept = req.headers.accept;
  if (path === "/version" || path === "/version/") {
    send(res, versionInfo(ctx.kubeVersion));
    return true;
  }
  if (path === "/healthz" || path === "/livez" || path === "/readyz") {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("ok");
    return true;
  }
  if (path === "/api" || path === "/apis") {
    const agg = negotiateAggregated(accept);
    if (agg) {
      send(res, aggregatedDiscovery(ctx.registry, path === "/api", agg), aggregatedContentType(agg));
    } else if (path === "/api") {
      send(res, apiVersions(ctx.serverAddress()));
    } else {
      send(res, apiGroupList(ctx.registry));
    }
    return true;
  }
  let m = /^\/api\/([^/]+)\/?$/.exec(path);
  if (m) {
    const list = apiResourceList(ctx.registry, "", m[1] as string);
    if (!list) throw pathNotFound();
    send(res, list);
    return true;
  }
  m = /^\/apis\/([^/]+)\/?$/.exec(path);
  if (m) {
    const group = apiGroup(ctx.registry, m[1] as string);
    if (!group) throw pathNotFound();
    send(res, group);
    return true;
  }
  m = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (m) {
    const list = apiResourceList(ctx.registry, m[1] as string, m[2] as string);
    if (!list) throw pathNotFound();
    send(res, list);
    return true;
  }
  if (path === "/openapi/v3" || path === "/openapi/v3/") {
    send(res, ctx.openapi.root());
    return true;
  }
  if (path.startsWith("/openapi/v3/")) {
    if (!acceptsJson(accept)) throw new StatusError(406, "NotAcceptable", "only the following media types are accepted: application/json, application/com.github.proto-openapi.spec.v3@v1.0+protobuf");
    const doc = ctx.openapi.document(path);
    if (!doc) throw pathNotFound();
    send(res, doc);
    return true;
  }
  if (path === "/openapi/v2") {
    // kubectl falls back to compiled-in type info when v2 is missing (research §2.3).
    throw pathNotFound();
  }
  return false;
}
