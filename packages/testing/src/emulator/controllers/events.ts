/** Records core/v1 Events as the client-go recorder does (aggregating repeats by bumping `count`). */

import type { KubeObject, ObjectStore } from "../store/types.js";
import type { Clock } from "../kubelet/types.js";
import { rfc3339 } from "../kubelet/clock.js";
import { EVENTS } from "./refs.js";

export interface EventSource {
  component: string;
  host?: string;
}

export class EventRecorder {
  readonly #store: ObjectStore;
  readonly #clock: Clock;
  #seq = 0;
  readonly #names = new Map<string, string>();

  constructor(store: ObjectStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  record(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, source: EventSource, fieldPath?: string): void {
    const namespace = obj.metadata.namespace ?? "default";
    const now = rfc3339(this.#clock.now());
    const key = `${obj.metadata.uid ?? ""}|${fieldPath ?? ""}|${reason}|${message}`;
    const existing = this.#names.get(key);
    try {
      if (existing) {
        const updated = this.#store.mutate(EVENTS, namespace, existing, (draft) => {
          draft["count"] = Number(draft["count"] ?? 1) + 1;
          draft["lastTimestamp"] = now;
        });
        if (updated) return;
      }
      const name = `${obj.metadata.name ?? "unknown"}.${(this.#clock.now() * 1000 + this.#seq++).toString(16)}`;
      const involved: Record<string, unknown> = {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      };
      if (fieldPath) involved["fieldPath"] = fieldPath;
      this.#store.create(EVENTS, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: involved,
        reason,
        message,
        source: source.host ? { component: source.component, host: source.host } : { component: source.component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: source.component,
        reportingInstance: source.host ?? "",
      });
      this.#names.set(key, name);
    } catch {
      // Events are best effort, as in a real cluster (e.g. the namespace is terminating).
    }
  }
}
