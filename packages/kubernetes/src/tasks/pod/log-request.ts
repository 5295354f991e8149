/**
 * One `GET pods/{name}/log` as a byte stream, through client-node's HTTP layer and auth. Not
 * client-node's `Log` class: it pipes the body into the caller's stream, so a connection cut
 * mid-body is neither an end nor an error there (the pipe just stops) and the caller would wait
 * forever. Here a cut surfaces as an error from the stream, and an HTTP error as the apiserver's
 * Status in a KubernetesError. Not counted by the request limiter: a followed log holds its
 * connection for the container's whole run. client-node gives each request its own undici Agent
 * when TLS is configured; `release()` closes it once the stream is done, so no socket lingers.
 */
import type { IsomorphicFetchHttpLibrary } from "@kubernetes/client-node";
import { clientNode } from "../../client/client-node.js";
import type { KubeClient } from "../../client/client.js";
import { KubernetesError, networkCode } from "../../errors.js";

export interface LogQuery {
  container: string;
  follow: boolean;
  sinceTime?: string | undefined;
  previous?: boolean | undefined;
  tailLines?: number | undefined;
}

let http: IsomorphicFetchHttpLibrary | undefined;

export interface LogStream {
  body: ReadableStream<Uint8Array>;
  /** Call when done with the body (read to the end, failed or abandoned). */
  release(): void;
}

export async function openLog(client: KubeClient, namespace: string, pod: string, query: LogQuery, signal: AbortSignal): Promise<LogStream> {
  const path = `api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
  const where = `GET pods/${pod}/log (container ${query.container}) on ${client.label}`;
  const url = new URL(path, client.server.endsWith("/") ? client.server : `${client.server}/`);
  url.searchParams.set("container", query.container);
  url.searchParams.set("timestamps", "true");
  if (query.follow) url.searchParams.set("follow", "true");
  if (query.previous) url.searchParams.set("previous", "true");
  if (query.sinceTime) url.searchParams.set("sinceTime", query.sinceTime);
  if (query.tailLines !== undefined) url.searchParams.set("tailLines", String(query.tailLines));
  const { RequestContext, HttpMethod, IsomorphicFetchHttpLibrary } = clientNode();
  const fetcher = (http ??= new IsomorphicFetchHttpLibrary());
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  ctx.setHeaderParam("Accept", "*/*");
  ctx.setSignal(signal);
  let dispatcher: { close?: () => Promise<void> } | undefined;
  const release = () => void dispatcher?.close?.().catch(() => {});
  try {
    await client.kc.applySecurityAuthentication(ctx);
    dispatcher = ctx.getDispatcher() as typeof dispatcher;
    const res = await fetcher.send(ctx).toPromise();
    const body = res.body.stream();
    if (res.httpStatusCode === 200 && body) return { body, release };
    throw KubernetesError.fromResponse(res.httpStatusCode, await res.body.text(), res.headers, where);
  } catch (err) {
    release();
    if (signal.aborted) throw signal.reason;
    if (!(err instanceof KubernetesError) && networkCode(err)) throw KubernetesError.network(err, where, client.server);
    throw err;
  }
}
