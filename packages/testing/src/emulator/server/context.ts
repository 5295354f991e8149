/** What every request handler gets: the cluster's parts and the parsed request. */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceInfo, ResourceRegistry } from "../discovery/resources.js";
import type { OpenApiDocs } from "../discovery/openapi.js";
import type { ClusterRuntime } from "../kubelet/types.js";
import type { ClusterStore } from "../store/object-store.js";
import type { KubeObject } from "../store/types.js";
import type { FaultAction } from "../faults/rules.js";
import type { RequestInfo } from "./request-info.js";

/** Patch and apply, provided by the semantics library (see semantics-adapter.ts). */
export interface Patcher {
  jsonPatch(info: ResourceInfo, original: KubeObject, ops: unknown): KubeObject;
  mergePatch(info: ResourceInfo, original: KubeObject, patch: unknown): KubeObject;
  /** Throws 415 for custom resources, as the apiserver does. */
  strategicMergePatch(info: ResourceInfo, original: KubeObject, patch: unknown): KubeObject;
  /** Server-side apply; throws the 409 apply-conflict Status unless `force`. `live` undefined creates. */
  apply(info: ResourceInfo, live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, subresource: string | undefined): KubeObject;
}

export interface ServerTiming {
  /** Interval of BOOKMARK events on watches that allow them (ms). */
  bookmarkIntervalMs: number;
}

export interface ServerContext {
  store: ClusterStore;
  registry: ResourceRegistry;
  patcher: Patcher;
  openapi: OpenApiDocs;
  kubeVersion: string;
  timing: ServerTiming;
  runtime: () => ClusterRuntime | undefined;
  /** `host:port` for APIVersions.serverAddressByClientCIDRs. */
  serverAddress: () => string;
}

export interface Call {
  ctx: ServerContext;
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  /** Served resource of a resource request. */
  resource: ResourceInfo;
  /** Stream fault to apply to a watch or log response. */
  streamFault?: Extract<FaultAction, { type: "cutStream" }>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}
