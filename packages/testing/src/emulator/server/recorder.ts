/** The record of requests a test can assert on (`cluster.requests`). */

import type { IncomingMessage } from "node:http";
import type { RequestInfo } from "./request-info.js";

export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection), or the lower-case method for non-resource paths. */
  verb: string;
  path: string;
  query: Record<string, string>;
  group: string;
  version: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  contentType?: string;
  accept?: string;
  userAgent?: string;
  fieldManager?: string;
  /** HTTP status answered (undefined while a stream is open or when the connection was reset). */
  status?: number;
  /** Name of the injected fault, when one fired. */
  fault?: string;
  time: number;
}

export class RequestRecorder {
  readonly requests: RecordedRequest[] = [];
  limit: number;

  constructor(limit = 10_000) {
    this.limit = limit;
  }

  record(req: IncomingMessage, info: RequestInfo, query: URLSearchParams): RecordedRequest {
    const q: Record<string, string> = {};
    for (const [k, v] of query) q[k] = v;
    const entry: RecordedRequest = { method: req.method ?? "GET", verb: info.verb, path: info.path, query: q, group: info.group, version: info.version, time: Date.now() };
    if (info.resource !== undefined) entry.resource = info.resource;
    if (info.subresource !== undefined) entry.subresource = info.subresource;
    if (info.namespace !== undefined) entry.namespace = info.namespace;
    if (info.name !== undefined) entry.name = info.name;
    if (req.headers["content-type"]) entry.contentType = req.headers["content-type"];
    if (req.headers.accept) entry.accept = req.headers.accept;
    if (req.headers["user-agent"]) entry.userAgent = req.headers["user-agent"];
    const fm = query.get("fieldManager");
    if (fm !== null) entry.fieldManager = fm;
    if (this.requests.length >= this.limit) this.requests.splice(0, this.requests.length - this.limit + 1);
    this.requests.push(entry);
    return entry;
  }

  clear(): void {
    this.requests.length = 0;
  }
}
