/**
 * The emulated kube-apiserver: an HTTP(S) server on 127.0.0.1 that records each request, authenticates
 * it, applies fault rules, then serves discovery, OpenAPI and the resource API (including watch,
 * logs and the exec WebSocket). `restart()` drops every connection and listens again on the same port
 * with the state kept, like an apiserver restart.
 */

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Authenticator } from "../auth/authn.js";
import type { TlsMaterial } from "../auth/tls.js";
import type { FaultInjector } from "../faults/injector.js";
import type { FaultAction, RequestAttributes } from "../faults/rules.js";
import { injectedStatus } from "../faults/status.js";
import { parseExecQuery, selectExecSubprotocol } from "../kubelet/exec-ws.js";
import { badRequest, methodNotAllowed, notFound, pathNotFound, StatusError } from "../store/errors.js";
import type { Call, ServerContext } from "./context.js";
import { handleDelete, handleDeleteCollection } from "./delete.js";
import { sendError, toStatusBody } from "./http.js";
import { handleNonResource } from "./nonresource.js";
import { handleGet, handleList } from "./read.js";
import type { RecordedRequest, RequestRecorder } from "./recorder.js";
import { parseRequestInfo, type RequestInfo } from "./request-info.js";
import { handleEviction, handleLog, handleScale } from "./subresources.js";
import { handleWatch } from "./watch.js";
import { handleCreate, handlePatch, handleUpdate } from "./write.js";

export interface ApiServerOptions {
  ctx: Omit<ServerContext, "serverAddress">;
  auth: Authenticator;
  faults: FaultInjector;
  recorder: RequestRecorder;
  tls?: TlsMaterial | undefined;
  /** 0 (default) picks a free port. */
  port?: number | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ApiServer {
  readonly #options: ApiServerOptions;
  readonly #ctx: ServerContext;
  readonly #sockets = new Set<Socket>();
  readonly #wss: WebSocketServer;
  #server: Server;
  #port = 0;
  #closed = false;

  constructor(options: ApiServerOptions) {
    this.#options = options;
    this.#ctx = { ...options.ctx, serverAddress: () => `127.0.0.1:${this.#port}` };
    this.#wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => selectExecSubprotocol(protocols) });
    this.#server = this.#create();
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `${this.#options.tls ? "https" : "http"}://127.0.0.1:${this.#port}`;
  }

  #create(): Server {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    const tls = this.#options.tls;
    const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
    server.keepAliveTimeout = 5_000;
    server.on("connection", (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.#upgrade(req, socket, head));
    return server;
  }

  async listen(): Promise<void> {
    const port = this.#port || this.#options.port || 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#server.once("error", onError);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", onError);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Drops every connection (open watches and log streams included) and listens again after `downMs`. */
  async restart(downMs = 0): Promise<void> {
    const old = this.#server;
    const closed = new Promise<void>((r) => old.close(() => r()));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await closed;
    if (downMs > 0) await sleep(downMs);
    if (this.#closed) return;
    this.#server = this.#create();
    await this.listen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const server = this.#server;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
    await closed;
  }

  // ---------------------------------------------------------------------------------------------

  #parse(req: IncomingMessage): { info: RequestInfo; query: URLSearchParams; entry: RecordedRequest } {
    const url = new URL(req.url ?? "/", "http://localhost");
    const info = parseRequestInfo(req.method ?? "GET", url.pathname, url.searchParams);
    const entry = this.#options.recorder.record(req, info, url.searchParams);
    return { info, query: url.searchParams, entry };
  }

  #attributes(info: RequestInfo): RequestAttributes {
    return { verb: info.verb, path: info.path, group: info.group, resource: info.resource, subresource: info.subresource, name: info.name, namespace: info.namespace };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let entry: RecordedRequest | undefined;
    try {
      const parsed = this.#parse(req);
      entry = parsed.entry;
      const { info, query } = parsed;
      const attrs = this.#attributes(info);
      this.#options.auth.check(req.headers.authorization, attrs);
      const fault = this.#options.faults.decide(attrs);
      let streamFault: Call["streamFault"];
      if (fault) {
        entry.fault = fault.type;
        const handled = await this.#applyFault(fault, attrs, req, res);
        if (handled) return;
        if (fault.type === "cutStream") streamFault = fault;
      }
      res.on("finish", () => {
        if (entry) entry.status = res.statusCode;
      });
      if (!info.isResourceRequest) {
        if (!handleNonResource(this.#ctx, req, res, info.path)) throw pathNotFound();
        return;
      }
      await this.#resource(req, res, info, query, streamFault);
    } catch (err) {
      if (entry) entry.status = toStatusBody(err).code ?? 500;
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    }
  }

  /** Returns true when the fault answered (or killed) the request. */
  async #applyFault(fault: FaultAction, attrs: RequestAttributes, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    switch (fault.type) {
      case "status":
        sendError(res, injectedStatus(fault, attrs));
        return true;
      case "reset":
        req.socket.destroy();
        return true;
      case "dropResponse":
        if (attrs.verb === "watch" || attrs.subresource === "log" || attrs.subresource === "exec" || attrs.subresource === "attach") {
          req.socket.destroy();
          return true;
        }
        dropResponse(req, res);
        return false;
      case "delay":
        await sleep(fault.ms);
        return false;
      case "cutStream":
        return false;
      case "restart":
        void this.restart(fault.downMs ?? 0);
        return true;
    }
  }

  async #resource(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, streamFault: Call["streamFault"]): Promise<void> {
    const resource = this.#ctx.registry.lookup(info.group, info.version, info.resource ?? "");
    if (!resource) throw pathNotFound();
    if (!resource.namespaced && info.namespace !== undefined) throw pathNotFound();
    if (resource.namespaced && info.namespace === undefined && info.verb !== "list" && info.verb !== "watch") throw pathNotFound();
    const abort = new AbortController();
    // Only a client that goes away mid-response aborts (creating the abort reason is not free).
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const call: Call = { ctx: this.#ctx, req, res, info, query, resource, signal: abort.signal };
    if (streamFault) call.streamFault = streamFault;
    const sub = info.subresource;
    if (sub === undefined) {
      switch (info.verb) {
        case "get":
          return handleGet(call);
        case "list":
          return handleList(call);
        case "watch":
          return handleWatch(call);
        case "create":
          if (info.name !== undefined) throw methodNotAllowed();
          return handleCreate(call);
        case "update":
          return handleUpdate(call);
        case "patch":
          return handlePatch(call);
        case "delete":
          return handleDelete(call);
        case "deletecollection":
          return handleDeleteCollection(call);
        default:
          throw methodNotAllowed();
      }
    }
    const served = resource.subresources.find((s) => s.name === sub);
    if (!served) throw pathNotFound();
    if (sub === "status") {
      if (info.verb === "get") return handleGet(call);
      if (info.verb === "update") return handleUpdate(call);
      if (info.verb === "patch") return handlePatch(call);
      throw methodNotAllowed();
    }
    if (sub === "scale") return handleScale(call);
    if (sub === "log" && info.verb === "get") return handleLog(call);
    if (sub === "eviction" && info.verb === "create") return handleEviction(call);
    if (sub === "exec") throw badRequest("Upgrade request required");
    throw methodNotAllowed();
  }

  /** WebSocket upgrade of `pods/{name}/exec`, handed to the pod runtime. */
  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (err: unknown) => {
      const body = toStatusBody(err);
      const text = JSON.stringify(body);
      const reason = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found" }[body.code ?? 500] ?? "Error";
      socket.end(`HTTP/1.1 ${body.code ?? 500} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    try {
      const { info, query, entry } = this.#parse(req);
      const attrs = this.#attributes(info);
      this.#options.auth.check(req.headers.authorization, attrs);
      const fault = this.#options.faults.decide(attrs);
      if (fault) {
        entry.fault = fault.type;
        if (fault.type === "reset" || fault.type === "dropResponse") return void socket.destroy();
        if (fault.type === "status") return refuse(injectedStatus(fault, attrs));
        if (fault.type === "delay") await sleep(fault.ms);
        if (fault.type === "restart") return void this.restart(fault.downMs ?? 0);
      }
      const isExec = info.isResourceRequest && info.group === "" && info.resource === "pods" && (info.subresource === "exec" || info.subresource === "attach");
      if (!isExec || info.namespace === undefined || info.name === undefined) throw pathNotFound();
      const runtime = this.#ctx.runtime();
      const pods = this.#ctx.registry.lookup("", "v1", "pods");
      if (!pods || !this.#ctx.store.peek(pods, info.namespace, info.name)) throw notFound("", "pods", info.name);
      if (!runtime) throw new StatusError(400, "BadRequest", `pod "${info.name}" has no running containers: the cluster runtime is disabled`);
      const request = info.subresource === "attach" ? { ...parseExecQuery(query), attach: true } : parseExecQuery(query);
      runtime.pods.validateExec(info.namespace, info.name, request);
      const ns = info.namespace;
      const name = info.name;
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        entry.status = 101;
        void runtime.pods.handleExecWebSocket(ws, ns, name, request).catch(() => ws.terminate());
      });
    } catch (err) {
      refuse(err);
    }
  }
}

/** The handler runs to completion, but whatever it answers is swallowed and the connection is cut. */
function dropResponse(req: IncomingMessage, res: ServerResponse): void {
  const swallow = res as unknown as { writeHead: () => ServerResponse; write: () => boolean; end: () => ServerResponse; flushHeaders: () => void };
  swallow.writeHead = () => res;
  swallow.flushHeaders = () => {};
  swallow.write = () => true;
  swallow.end = () => {
    req.socket.destroy();
    return res;
  };
}
