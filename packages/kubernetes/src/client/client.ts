/**
 * One cluster's client. Requests go through @kubernetes/client-node's own HTTP layer and auth
 * (KubeConfig.applySecurityAuthentication, its undici fetch and TLS dispatcher) but with raw JSON
 * bodies: the typed object API re-serializes bodies through its models and silently drops unknown
 * fields and strategic-merge directives (research §1.3), which would hide manifest typos from the
 * apiserver's strict validation. Every request is limited per cluster and retried when transient.
 */
import type { IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { clientNode } from "./client-node.js";
import { KubernetesError, networkCode } from "../errors.js";
import type { RequestLimiter } from "./limiter.js";
import { withRetry, type RetryPolicy } from "./retry.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON (a string is sent as is). */
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Retry transient failures (default true). Off for requests the caller retries itself. */
  retry?: boolean;
  /** Told about each retry (the step's log). */
  onRetry?: (message: string) => void;
}

export interface Response {
  status: number;
  headers: Record<string, string>;
  text: string;
}

let http: IsomorphicFetchHttpLibrary | undefined;

export class KubeClient {
  constructor(
    readonly label: string,
    readonly kc: KubeConfig,
    private readonly limiter: RequestLimiter,
    private readonly retry: RetryPolicy,
    /** Told each distinct bearer token a request sends (exec plugins and auth providers fetch them at request time). */
    private readonly onBearerToken?: (token: string) => void,
  ) {}

  #lastToken: string | undefined;

  #dispatcher: unknown;

  /**
   * client-node builds a new undici Agent for every request when TLS options are set (any
   * https or skip-verify cluster), so no connection is ever reused and each request pays a new
   * TCP (and TLS) handshake. Keep the first one and reuse it: auth headers are still applied per
   * request, so refreshed tokens keep working.
   */
  #reuseDispatcher(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    if (fresh === undefined) return;
    if (this.#dispatcher === undefined) {
      this.#dispatcher = fresh;
      return;
    }
    ctx.setDispatcher(this.#dispatcher as never);
    void (fresh as { close?: () => Promise<void> }).close?.();
  }

  #noteToken(header: string | undefined): void {
    const token = header ? /^Bearer\s+(\S+)/i.exec(header)?.[1] : undefined;
    if (!token || token === this.#lastToken) return;
    this.#lastToken = token;
    this.onBearerToken?.(token);
  }

  /** Closes the kept connection pool. */
  async close(): Promise<void> {
    const d = this.#dispatcher as { close?: () => Promise<void> } | undefined;
    this.#dispatcher = undefined;
    await d?.close?.();
  }

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? "(no server)";
  }

  /** A JSON request; non-2xx becomes a KubernetesError naming the cluster and the request. */
  async json<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, options);
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }

  async request(method: Method, path: string, options: RequestOptions = {}): Promise<Response> {
    const where = `${method} ${path.replace(/^\/apis?\/[^/]+(\/v[^/]+)?/, "")} on ${this.label}`;
    const once = () => this.limiter.run(() => this.#send(method, path, options, where));
    if (options.retry === false) return once();
    return withRetry(once, this.retry, options.signal, (err, attempt, delay) =>
      options.onRetry?.(`${where}: ${err.reason ?? err.code} (attempt ${attempt}), retrying in ${delay}ms`),
    );
  }

  async #send(method: Method, path: string, options: RequestOptions, where: string): Promise<Response> {
    const url = new URL(path.replace(/^\//, ""), this.server.endsWith("/") ? this.server : `${this.server}/`);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const { RequestContext, HttpMethod, IsomorphicFetchHttpLibrary } = clientNode();
    const fetcher = (http ??= new IsomorphicFetchHttpLibrary());
    const ctx = new RequestContext(url.toString(), HttpMethod[method]);
    ctx.setHeaderParam("Accept", options.accept ?? "application/json");
    if (options.body !== undefined) {
      ctx.setHeaderParam("Content-Type", options.contentType ?? "application/json");
      ctx.setBody(typeof options.body === "string" ? options.body : JSON.stringify(options.body));
    }
    if (options.signal) ctx.setSignal(options.signal);
    let status: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      await this.kc.applySecurityAuthentication(ctx);
      if (this.onBearerToken) this.#noteToken(ctx.getHeaders()["Authorization"]);
      this.#reuseDispatcher(ctx);
      const res = await fetcher.send(ctx).toPromise();
      status = res.httpStatusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (networkCode(err)) throw KubernetesError.network(err, where, this.server);
      throw err;
    }
    if (status >= 200 && status < 300) return { status, headers, text };
    throw KubernetesError.fromResponse(status, text, headers, where, { unconditional: status === 409 && isUnconditional(method, options.body) });
  }
}

/**
 * A PATCH or DELETE without a precondition (a resourceVersion, DeleteOptions.preconditions, or a
 * JSON patch `test` op): the apiserver re-reads the object for each attempt, so re-sending it after
 * an optimistic-lock 409 is client-go's "re-read and retry".
 */
function isUnconditional(method: Method, body: unknown): boolean {
  if (method !== "PATCH" && method !== "DELETE") return false;
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return !/\bresourceVersion\b/.test(body); // YAML: look for the field at all
    }
  }
  if (Array.isArray(value)) return !value.some((op: { op?: unknown }) => op?.op === "test");
  const obj = value as { metadata?: { resourceVersion?: unknown }; preconditions?: unknown } | undefined;
  return obj?.metadata?.resourceVersion === undefined && obj?.preconditions === undefined;
}
