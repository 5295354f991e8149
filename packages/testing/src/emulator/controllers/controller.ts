/** Base for controllers: subscribe to store events, queue keys, reconcile one key at a time. */

import type { KubeObject, ObjectStore, ResourceRef, StoreEvent } from "../store/types.js";
import type { Clock, RuntimeTiming } from "../kubelet/types.js";
import type { EventRecorder } from "./events.js";
import type { PodCache } from "./pod-cache.js";
import { WorkQueue } from "./queue.js";

export interface ControllerContext {
  store: ObjectStore;
  clock: Clock;
  timing: RuntimeTiming;
  events: EventRecorder;
  /** Read-only view of all pods, kept current from store events. */
  pods: PodCache;
  /** Called when a key keeps failing after retries. */
  report(component: string, key: string, err: unknown): void;
}

export abstract class Controller {
  protected readonly ctx: ControllerContext;
  protected readonly queue: WorkQueue;
  readonly name: string;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: ControllerContext, name: string) {
    this.ctx = ctx;
    this.name = name;
    this.queue = new WorkQueue((key) => this.reconcile(key), (key, err) => ctx.report(name, key, err));
  }

  start(): void {
    this.#unsubscribe = this.ctx.store.subscribe((e) => this.onEvent(e));
    this.resync();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.queue.stop();
  }

  protected abstract onEvent(event: StoreEvent): void;
  protected abstract resync(): void;
  protected abstract reconcile(key: string): void | Promise<void>;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

export function isResource(event: StoreEvent, group: string, resource: string): boolean {
  return event.resource.group === group && event.resource.resource === resource;
}

/** Lists a resource the server may not serve (e.g. ControllerRevisions, PDBs): unknown resources list as empty. */
export function listIfServed(store: ObjectStore, ref: ResourceRef, namespace?: string): KubeObject[] | undefined {
  try {
    return store.list(ref, namespace);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}
