/**
 * `mockCluster()`: an emulated Kubernetes cluster for tests. It starts an API server on 127.0.0.1
 * (ephemeral port) that the real kubectl and @kubernetes/client-node talk to, runs the controllers
 * and simulated kubelet behind it, and gives the test direct handles: seed and inspect objects
 * without HTTP, the record of requests, fault rules, container programs, restart and close.
 *
 * Many clusters can run in one process; each has its own store, schemas and port.
 */

import { writeFile } from "node:fs/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { Authenticator, type TokenUser } from "./auth/authn.js";
import { buildKubeconfig } from "./auth/kubeconfig.js";
import { generateTls, type TlsMaterial } from "./auth/tls.js";
import { OpenApiDocs } from "./discovery/openapi.js";
import { ResourceRegistry, type ResourceInfo } from "./discovery/resources.js";
import { FaultInjector, type FaultHandle } from "./faults/injector.js";
import type { FaultRule } from "./faults/rules.js";
import { createClusterRuntime, ProgramRegistry } from "./kubelet/index.js";
import type { ClusterRuntime, ClusterRuntimeOptions, ContainerProgramRegistry } from "./kubelet/types.js";
import { ApiServer } from "./server/api-server.js";
import type { RecordedRequest } from "./server/recorder.js";
import { RequestRecorder } from "./server/recorder.js";
import { SemanticsAdapter } from "./server/semantics-adapter.js";
import type { DeleteRequest } from "./store/deletion.js";
import { StatusError } from "./store/errors.js";
import { clone } from "./store/json.js";
import { ClusterStore } from "./store/object-store.js";
import { hasStatusSubresource } from "./store/prepare.js";
import type { KubeObject, ObjectStore } from "./store/types.js";

export interface MockClusterOptions {
  /** Kubernetes version the server reports (`/version`): kubectl's dispatcher picks its binary by the minor. Default "1.32". */
  kubeVersion?: string;
  /** Objects to create at start: objects, or YAML (multi-document) strings. */
  seed?: (KubeObject | string)[] | string;
  /** Serve https with a generated CA (the kubeconfig carries it). */
  tls?: boolean;
  /** Require this bearer token (the kubeconfig carries it). kubectl sends tokens only over https: combine with `tls`. */
  token?: string;
  /** More token users, with optional permission rules (403 when `can` refuses). */
  users?: TokenUser[];
  /** Run the controllers, scheduler and simulated kubelet (default true), with these options. */
  runtime?: boolean | ClusterRuntimeOptions;
  /** Server timing knobs (ms). The runtime's delays go in `runtime.timing`. */
  timing?: { bookmarkIntervalMs?: number };
  /** Seed of the fault injector's generator (probabilistic rules), default 1. */
  faultSeed?: number;
  /** Fixed port (default: a free ephemeral port). */
  port?: number;
  /** Namespace of the kubeconfig context (default "default"). */
  namespace?: string;
  /** Changes kept for watch resumption; older resourceVersions get 410 Expired. Default 50,000. */
  historySize?: number;
  /** Requests kept in `requests` (oldest dropped first). Default 10,000. */
  requestLimit?: number;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface MockCluster {
  /** `http://127.0.0.1:PORT` (or https). */
  readonly url: string;
  /** A kubeconfig (YAML) for kubectl and client-node. */
  readonly kubeconfig: string;
  writeKubeconfig(path: string): Promise<void>;
  /** A client-node KubeConfig loaded from `kubeconfig`. */
  kubeConfig(): KubeConfig;
  /** Creates or replaces objects without HTTP (status included when given). Accepts YAML, one object or several. */
  apply(objects: KubeObject | KubeObject[] | string): KubeObject[];
  get(ref: ObjectRef): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string, options?: { labelSelector?: string; fieldSelector?: string }): KubeObject[];
  /** Deletes like the API does (grace periods, finalizers); returns the deleted or terminating object. */
  delete(ref: ObjectRef, options?: DeleteRequest): KubeObject | undefined;
  /** Every request the server received, oldest first. */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** Fault rules (`add` returns a handle with `fired` and `remove()`). */
  readonly faults: { add(rule: FaultRule): FaultHandle; clear(): void; reseed(seed: number): void };
  /** Programs that run as containers of matching images. */
  readonly programs: ContainerProgramRegistry;
  /** The object store (what controllers use): reads and writes without HTTP. */
  readonly store: ObjectStore;
  /** The controllers/kubelet runtime, unless disabled. */
  readonly runtime: ClusterRuntime | undefined;
  /** Current cluster-wide resourceVersion. */
  resourceVersion(): string;
  /** Forgets the watch history: watches from older resourceVersions get 410 Expired. */
  compactHistory(): void;
  /** Drops every connection (watches, log streams) and listens again on the same port after `downMs`. */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Parses multi-document YAML into objects (empty documents skipped). */
export function parseObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message ?? "parse error"}`);
    const value = doc.toJSON() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) throw new Error("each YAML document must be a Kubernetes object");
    const obj = value as KubeObject;
    if (obj.kind?.endsWith("List") && Array.isArray(obj["items"])) out.push(...(obj["items"] as KubeObject[]));
    else out.push(obj);
  }
  return out;
}

function resolve(store: ClusterStore, apiVersion: string, kind: string): ResourceInfo {
  const info = store.registry.byKind(apiVersion, kind);
  if (!info) throw new Error(`no matches for kind "${kind}" in version "${apiVersion}"`);
  return info;
}

export async function mockCluster(options: MockClusterOptions = {}): Promise<MockCluster> {
  const kubeVersion = options.kubeVersion ?? "1.32";
  const registry = new ResourceRegistry();
  const semantics = new SemanticsAdapter();
  const store = new ClusterStore({ registry, admission: semantics, historySize: options.historySize ?? 50_000 });
  const recorder = new RequestRecorder(options.requestLimit ?? 10_000);
  const faults = new FaultInjector(options.faultSeed ?? 1);
  const auth = new Authenticator({ ...(options.token ? { token: options.token } : {}), ...(options.users ? { users: options.users } : {}) });
  const tls: TlsMaterial | undefined = options.tls ? await generateTls() : undefined;

  let runtime: ClusterRuntime | undefined;
  const runtimeOptions: ClusterRuntimeOptions = typeof options.runtime === "object" ? options.runtime : {};
  const programs: ContainerProgramRegistry = runtimeOptions.programs ?? new ProgramRegistry();
  if (options.runtime !== false) {
    runtime = createClusterRuntime(store, { ...runtimeOptions, programs });
    faults.attachRuntime(runtime.faults);
  }

  const minor = kubeVersion.split(".")[1] ?? "32";
  const server = new ApiServer({
    ctx: {
      store,
      registry,
      patcher: semantics,
      openapi: new OpenApiDocs(registry, semantics.schemas, `v1.${minor}.0`),
      kubeVersion,
      timing: { bookmarkIntervalMs: options.timing?.bookmarkIntervalMs ?? 60_000 },
      runtime: () => runtime,
    },
    auth,
    faults,
    recorder,
    tls,
    port: options.port,
  });

  const applyOne = (input: KubeObject): KubeObject => {
    const info = resolve(store, input.apiVersion, input.kind);
    const obj = clone(input);
    obj.metadata = obj.metadata ?? {};
    if (info.namespaced) obj.metadata.namespace = obj.metadata.namespace ?? "default";
    const existing = store.peek(info, obj.metadata.namespace, obj.metadata.name ?? "");
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    obj.metadata = meta;
    let stored = existing
      ? store.updateObject(info, obj, { manager: "capstan-test", fieldValidation: "Strict" }).object
      : store.createObject(info, obj, { manager: "capstan-test", fieldValidation: "Strict" }).object;
    if (input["status"] !== undefined && hasStatusSubresource(info)) {
      stored = store.updateObject(info, { ...stored, status: clone(input["status"]) }, { subresource: "status", manager: "capstan-test" }).object;
    }
    return clone(stored);
  };

  const apply = (objects: KubeObject | KubeObject[] | string): KubeObject[] => {
    const list = typeof objects === "string" ? parseObjects(objects) : Array.isArray(objects) ? objects : [objects];
    return list.map(applyOne);
  };

  const seeds = typeof options.seed === "string" ? [options.seed] : (options.seed ?? []);
  // CRDs first, so custom resources in the same seed resolve.
  const seedObjects = seeds.flatMap((s) => (typeof s === "string" ? parseObjects(s) : [s]));
  const order = (o: KubeObject) => (o.kind === "CustomResourceDefinition" ? 0 : o.kind === "Namespace" ? 1 : 2);
  apply([...seedObjects].sort((a, b) => order(a) - order(b)));

  await server.listen();
  if (runtime) await runtime.start();

  const kubeconfig = buildKubeconfig({ server: server.url, caCert: tls?.caCert, token: options.token, namespace: options.namespace });
  let closed = false;

  return {
    get url() {
      return server.url;
    },
    kubeconfig,
    async writeKubeconfig(path: string) {
      await writeFile(path, kubeconfig, { mode: 0o600 });
    },
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfig);
      return kc;
    },
    apply,
    get(ref: ObjectRef) {
      const info = resolve(store, ref.apiVersion, ref.kind);
      const obj = store.peek(info, info.namespaced ? (ref.namespace ?? "default") : undefined, ref.name);
      return obj ? clone(obj) : undefined;
    },
    list(apiVersion, kind, namespace, listOptions) {
      const info = resolve(store, apiVersion, kind);
      return store.scan(info, namespace, listOptions ?? {}).items.map(clone);
    },
    delete(ref: ObjectRef, deleteOptions?: DeleteRequest) {
      const info = resolve(store, ref.apiVersion, ref.kind);
      try {
        return clone(store.deleteObject(info, info.namespaced ? (ref.namespace ?? "default") : undefined, ref.name, deleteOptions ?? {}).object);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return undefined;
        throw err;
      }
    },
    get requests() {
      return recorder.requests;
    },
    clearRequests: () => recorder.clear(),
    faults: {
      add: (rule) => faults.add(rule),
      clear: () => faults.clear(),
      reseed: (seed) => faults.reseed(seed),
    },
    programs,
    store,
    runtime,
    resourceVersion: () => store.resourceVersion(),
    compactHistory: () => store.compact(),
    restart: (downMs) => server.restart(downMs),
    async close() {
      if (closed) return;
      closed = true;
      await runtime?.stop();
      await server.close();
    },
  };
}
