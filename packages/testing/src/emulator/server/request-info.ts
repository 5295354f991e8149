/**
 * Splits a request path into what the apiserver's RequestInfoFactory derives: API group/version,
 * namespace, resource, name, subresource and the Kubernetes verb (get/list/watch/create/update/patch/
 * delete/deletecollection). Faults, auth and routing all match on this.
 */

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  /** "api" (core) or "apis". */
  prefix?: string;
  group: string;
  version: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split("/").filter((p) => p.length > 0).map(decodeURIComponent);
  const nonResource: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), group: "", version: "" };
  let rest: string[];
  let group = "";
  let version: string;
  let prefix: string;
  if (parts[0] === "api" && parts.length >= 3) {
    prefix = "api";
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    prefix = "apis";
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return nonResource;
  }
  const info: RequestInfo = { isResourceRequest: true, path, verb: "", prefix, group, version };
  // /namespaces/{ns}/{resource}/..., except the namespaces resource itself: /namespaces/{name}[/status|/finalize].
  if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
    info.namespace = rest[1] as string;
    rest = rest.slice(2);
  }
  info.resource = rest[0] as string;
  if (rest.length >= 2) info.name = rest[1] as string;
  if (rest.length >= 3) info.subresource = rest[2] as string;

  const watch = query.get("watch") === "true" || query.get("watch") === "1";
  switch (method) {
    case "GET":
    case "HEAD":
      info.verb = info.name === undefined ? (watch ? "watch" : "list") : "get";
      break;
    case "POST":
      info.verb = "create";
      break;
    case "PUT":
      info.verb = "update";
      break;
    case "PATCH":
      info.verb = "patch";
      break;
    case "DELETE":
      info.verb = info.name === undefined ? "deletecollection" : "delete";
      break;
    default:
      info.verb = method.toLowerCase();
  }
  return info;
}
