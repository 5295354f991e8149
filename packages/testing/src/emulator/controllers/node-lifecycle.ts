/**
 * Node lifecycle for lost nodes: marks their pods not ready at once (as the node controller does),
 * then after timing.nodeEviction evicts pods that do not tolerate the unreachable NoExecute taint
 * (DisruptionTarget condition, phase Failed, then removal) so their controllers replace them.
 */

import type { StoreEvent } from "../store/types.js";
import type { Pod } from "./k8s-types.js";
import { Controller, type ControllerContext } from "./controller.js";
import { PODS } from "./refs.js";
import { setCondition } from "./objects.js";
import { tolerates } from "./scheduler.js";
import { rfc3339 } from "../kubelet/clock.js";
import { statusCodeOf } from "../kubelet/errors.js";
import { UNREACHABLE_TAINT, type NodeRegistry } from "../kubelet/nodes.js";

export class NodeLifecycleController extends Controller {
  readonly #nodes: NodeRegistry;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #onRestore: (node: string) => void = () => {};

  constructor(ctx: ControllerContext, nodes: NodeRegistry) {
    super(ctx, "node-lifecycle-controller");
    this.#nodes = nodes;
  }

  /** Called after a node comes back so its kubelet can pick its pods up again. */
  onRestore(callback: (node: string) => void): void {
    this.#onRestore = callback;
  }

  override stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    super.stop();
  }

  protected override onEvent(_e: StoreEvent): void {}
  protected override resync(): void {}
  protected override reconcile(node: string): void {
    if (this.#nodes.isActive(node)) return;
    const now = rfc3339(this.ctx.clock.now());
    for (const pod of this.#podsOn(node)) {
      if (tolerates(pod.spec.tolerations, { key: UNREACHABLE_TAINT, effect: "NoExecute" })) continue;
      try {
        this.ctx.store.mutate(PODS, pod.metadata.namespace, pod.metadata.name ?? "", (d) => {
          const status = (d["status"] ??= {}) as NonNullable<Pod["status"]>;
          status.conditions = setCondition(status.conditions ?? [], { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" }, now);
          status.phase = "Failed";
        }, { subresource: "status" });
        this.ctx.events.record(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`, { component: "taint-eviction-controller" });
        this.ctx.store.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? "", { gracePeriodSeconds: 0 });
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
    }
  }

  #podsOn(node: string): Pod[] {
    return (this.ctx.store.list(PODS) as Pod[]).filter((p) => p.spec?.nodeName === node);
  }

  nodeLost(node: string): void {
    const now = rfc3339(this.ctx.clock.now());
    for (const pod of this.#podsOn(node)) {
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      try {
        this.ctx.store.mutate(PODS, pod.metadata.namespace, pod.metadata.name ?? "", (d) => {
          const status = (d["status"] ??= {}) as NonNullable<Pod["status"]>;
          let conditions = status.conditions ?? [];
          conditions = setCondition(conditions, { type: "Ready", status: "False", lastProbeTime: null }, now);
          status.conditions = conditions;
        }, { subresource: "status" });
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
    }
    clearTimeout(this.#timers.get(node));
    this.#timers.set(node, setTimeout(() => {
      this.#timers.delete(node);
      this.queue.add(node);
    }, this.ctx.timing.nodeEviction));
  }

  nodeRestored(node: string): void {
    clearTimeout(this.#timers.get(node));
    this.#timers.delete(node);
    this.#onRestore(node);
  }
}
