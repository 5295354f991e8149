/**
 * The simulated kubelet for every simulated node: starts a PodWorker for each pod bound to an active
 * node, forwards updates (deletion), stops workers when pods vanish, and owns image pull state/faults.
 */

import type { ObjectStore, StoreEvent } from "../store/types.js";
import type { Clock, ContainerProgramRegistry, ImagePullFailureRule, RuntimeTiming } from "./types.js";
import type { Pod } from "../controllers/k8s-types.js";
import type { EventRecorder } from "../controllers/events.js";
import { PODS } from "../controllers/refs.js";
import { PodWorker, type PullResult, type WorkerHost } from "./pod-worker.js";
import { VolumeStore } from "./volumes.js";
import type { NodeRegistry } from "./nodes.js";
import { globToRegExp } from "../shell/paths.js";
import { statusCodeOf } from "./errors.js";

export interface KubeletDeps {
  store: ObjectStore;
  clock: Clock;
  timing: RuntimeTiming;
  events: EventRecorder;
  programs: ContainerProgramRegistry;
  nodes: NodeRegistry;
}

interface PullRule {
  pattern: RegExp;
  remaining: number;
  message?: string;
}

/** Docker-style normalization used in pull error messages. */
export function normalizeImage(image: string): string {
  let name = image;
  const digest = name.includes("@");
  if (!digest && !/:[^/]+$/.test(name)) name = `${name}:latest`;
  const first = name.split("/")[0] ?? "";
  if (!name.includes("/")) return `docker.io/library/${name}`;
  if (!first.includes(".") && !first.includes(":") && first !== "localhost") return `docker.io/${name}`;
  return name;
}

export class Kubelet {
  readonly #deps: KubeletDeps;
  readonly #workers = new Map<string, PodWorker>();
  readonly #volumes = new VolumeStore();
  #rules: PullRule[] = [];
  #unsubscribe: (() => void) | undefined;

  constructor(deps: KubeletDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#unsubscribe = this.#deps.store.subscribe((e) => this.#onEvent(e));
    for (const pod of this.#deps.store.list(PODS)) this.#sync(pod as Pod);
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const w of this.#workers.values()) w.kill();
    this.#workers.clear();
  }

  /** The worker of a pod by namespace/name (the current incarnation). */
  worker(namespace: string, name: string): PodWorker | undefined {
    const pod = this.#deps.store.get(PODS, namespace, name);
    if (!pod) return undefined;
    return this.#workers.get(pod.metadata.uid ?? "");
  }

  failImagePull(rule: ImagePullFailureRule): () => void {
    const pattern = typeof rule.image === "string" ? globToRegExp(rule.image) : rule.image;
    const entry: PullRule = { pattern, remaining: rule.times ?? Infinity };
    if (rule.message) entry.message = rule.message;
    this.#rules.push(entry);
    return () => {
      this.#rules = this.#rules.filter((r) => r !== entry);
    };
  }

  /** Node lost: its containers vanish with it (no more status writes from that node). */
  nodeLost(node: string): void {
    for (const [uid, w] of this.#workers) {
      if (w.host.nodeName === node) {
        w.kill();
        this.#workers.delete(uid);
      }
    }
  }

  /** Node back: resume the pods still bound to it. */
  nodeRestored(node: string): void {
    for (const pod of this.#deps.store.list(PODS) as Pod[]) if (pod.spec?.nodeName === node) this.#sync(pod);
  }

  #onEvent(e: StoreEvent): void {
    if (e.resource.group !== "" || e.resource.resource !== "pods") return;
    const pod = e.object as Pod;
    if (e.type === "DELETED") {
      const uid = pod.metadata.uid ?? "";
      this.#workers.get(uid)?.kill();
      this.#workers.delete(uid);
      return;
    }
    this.#sync(pod);
  }

  #sync(pod: Pod): void {
    const node = pod.spec?.nodeName;
    if (!node || !this.#deps.nodes.isActive(node)) return;
    const uid = pod.metadata.uid ?? "";
    const existing = this.#workers.get(uid);
    if (existing) {
      existing.update(pod);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      // Nothing ever ran for it here: finish the deletion at once.
      try {
        this.#deps.store.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? "", { gracePeriodSeconds: 0 });
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return;
    const worker = new PodWorker(this.#host(node), pod);
    this.#workers.set(uid, worker);
    worker.start();
  }

  #host(node: string): WorkerHost {
    const d = this.#deps;
    return {
      store: d.store,
      clock: d.clock,
      timing: d.timing,
      events: d.events,
      programs: d.programs,
      volumes: this.#volumes,
      nodeName: node,
      hostIP: d.nodes.hostIP(node),
      podIP: d.nodes.allocatePodIP(node),
      pull: (image, policy) => this.#pull(node, image, policy),
      onFinished: () => {},
    };
  }

  #pull(node: string, image: string, policy: string): PullResult {
    const images = this.#deps.nodes.images(node);
    if (policy === "IfNotPresent") return images.has(image) ? { ok: true, alreadyPresent: true } : { ok: false, message: "not present" };
    const rule = this.#rules.find((r) => r.remaining > 0 && r.pattern.test(image));
    if (rule) {
      rule.remaining--;
      const ref = normalizeImage(image);
      return {
        ok: false,
        message:
          rule.message ??
          `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
      };
    }
    images.add(image);
    return { ok: true, alreadyPresent: false };
  }
}
