/**
 * default-scheduler: binds pending pods to nodes that pass the filters the real scheduler runs first
 * (NodeUnschedulable, TaintToleration, NodeAffinity/nodeSelector, NodeResourcesFit incl. extended
 * resources such as nvidia.com/gpu), spreading by pod count. Unschedulable pods get PodScheduled=False
 * with reason Unschedulable and a FailedScheduling event carrying the scheduler's message.
 */

import type { KubeObject, StoreEvent } from "../store/types.js";
import type { Container, Pod, Toleration } from "./k8s-types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { NODES, PODS } from "./refs.js";
import { parseQuantity } from "./quantity.js";
import { setCondition } from "./objects.js";
import { rfc3339 } from "../kubelet/clock.js";

interface NodeView {
  name: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  unschedulable: boolean;
  allocatable: Record<string, number>;
}

type Requests = Record<string, number>;

function containerRequests(c: Container): Requests {
  const out: Requests = {};
  const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
  for (const [k, v] of Object.entries(req)) out[k] = parseQuantity(v);
  return out;
}

export function podRequests(pod: Pod): Requests {
  const sum: Requests = {};
  const add = (r: Requests): void => {
    for (const [k, v] of Object.entries(r)) sum[k] = (sum[k] ?? 0) + v;
  };
  for (const c of pod.spec.containers ?? []) add(containerRequests(c));
  for (const c of pod.spec.initContainers ?? []) if (c.restartPolicy === "Always") add(containerRequests(c));
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") continue;
    for (const [k, v] of Object.entries(containerRequests(c))) sum[k] = Math.max(sum[k] ?? 0, v);
  }
  return sum;
}

export function tolerates(tolerations: Toleration[] | undefined, taint: { key: string; value?: string; effect: string }): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function matchesExpression(value: string | undefined, op: string, values: string[] | undefined): boolean {
  switch (op) {
    case "In":
      return value !== undefined && (values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && Number(value) > Number(values?.[0]);
    case "Lt":
      return value !== undefined && Number(value) < Number(values?.[0]);
    default:
      return false;
  }
}

function matchesAffinity(pod: Pod, node: NodeView): boolean {
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((term) => {
    const t = term as { matchExpressions?: { key: string; operator: string; values?: string[] }[]; matchFields?: { key: string; operator: string; values?: string[] }[] };
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((e) => matchesExpression(node.labels[e.key], e.operator, e.values)) && fields.every((f) => f.key === "metadata.name" && matchesExpression(node.name, f.operator, f.values));
  });
}

function nodeView(obj: KubeObject): NodeView {
  const spec = (obj["spec"] ?? {}) as { taints?: NodeView["taints"]; unschedulable?: boolean };
  const status = (obj["status"] ?? {}) as { allocatable?: Record<string, string>; capacity?: Record<string, string> };
  const alloc: Record<string, number> = {};
  for (const [k, v] of Object.entries(status.allocatable ?? status.capacity ?? {})) alloc[k] = parseQuantity(v);
  return { name: obj.metadata.name ?? "", labels: obj.metadata.labels ?? {}, taints: spec.taints ?? [], unschedulable: spec.unschedulable === true, allocatable: alloc };
}

/** Why `pod` does not fit `node` (empty when it fits), and whether preemption could help. */
export function filterNode(pod: Pod, node: NodeView, used: Requests, podCount: number): { reasons: string[]; resourceFit: boolean } {
  if (node.unschedulable && !tolerates(pod.spec.tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })) {
    return { reasons: ["node(s) were unschedulable"], resourceFit: false };
  }
  const taint = node.taints.find((t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(pod.spec.tolerations, t));
  if (taint) return { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`], resourceFit: false };
  if (!matchesAffinity(pod, node)) return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resourceFit: false };
  const reasons: string[] = [];
  if (podCount + 1 > (node.allocatable["pods"] ?? 110)) reasons.push("Too many pods");
  const req = podRequests(pod);
  for (const [res, amount] of Object.entries(req)) {
    if (amount <= 0 || res === "pods") continue;
    const available = (node.allocatable[res] ?? 0) - (used[res] ?? 0);
    if (amount > available + 1e-9) reasons.push(`Insufficient ${res}`);
  }
  return { reasons, resourceFit: true };
}

function histogram(entries: string[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason}`).sort().join(", ");
}

export class Scheduler extends Controller {
  readonly #unschedulable = new Set<string>();

  constructor(ctx: ControllerContext) {
    super(ctx, "default-scheduler");
  }

  protected override resync(): void {
    for (const p of this.ctx.store.list(PODS)) if (this.#wants(p as Pod)) this.queue.addAfter(`${p.metadata.namespace}/${p.metadata.name}`, this.ctx.timing.schedule);
  }

  #wants(pod: Pod): boolean {
    return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && (pod.spec?.schedulerName ?? "default-scheduler") === "default-scheduler" && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "", "nodes")) {
      this.#retryAll();
      return;
    }
    if (!isResource(e, "", "pods")) return;
    const pod = e.object as Pod;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (e.type !== "DELETED" && this.#wants(pod)) {
      if (e.type === "ADDED" || !this.#unschedulable.has(key)) this.queue.addAfter(key, this.ctx.timing.schedule);
      else if (JSON.stringify((e.old as Pod | undefined)?.spec) !== JSON.stringify(pod.spec)) this.queue.addAfter(key, this.ctx.timing.schedule);
      return;
    }
    // A pod went away, finished or moved: resources may have been freed.
    const old = e.old as Pod | undefined;
    if (e.type === "DELETED" || (old && old.status?.phase !== pod.status?.phase)) {
      this.#unschedulable.delete(key);
      this.#retryAll();
    }
  }

  #retryAll(): void {
    for (const key of this.#unschedulable) this.queue.addAfter(key, this.ctx.timing.schedule);
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const store = this.ctx.store;
    const pod = store.get(PODS, ns, name) as Pod | undefined;
    if (!pod || !this.#wants(pod)) {
      this.#unschedulable.delete(key);
      return;
    }
    const now = rfc3339(this.ctx.clock.now());
    if (((pod.spec as { schedulingGates?: unknown[] }).schedulingGates ?? []).length > 0) {
      // Gated pods wait (no event) until every scheduling gate is removed.
      this.#unschedulable.delete(key);
      if (pod.status?.conditions?.find((c) => c.type === "PodScheduled")?.reason !== "SchedulingGated") {
        store.mutate(PODS, ns, name, (d) => {
          const status = (d["status"] ??= {}) as NonNullable<Pod["status"]>;
          status.phase ??= "Pending";
          status.conditions = setCondition(status.conditions ?? [], { type: "PodScheduled", status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates", lastProbeTime: null }, now);
        }, { subresource: "status" });
      }
      return;
    }
    const nodes = store.list(NODES).map(nodeView).sort((a, b) => a.name.localeCompare(b.name));
    const usage = new Map<string, { used: Requests; count: number }>();
    for (const p of this.ctx.pods.all()) {
      const n = p.spec?.nodeName;
      if (!n || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
      const u = usage.get(n) ?? { used: {}, count: 0 };
      u.count++;
      for (const [k, v] of Object.entries(podRequests(p))) u.used[k] = (u.used[k] ?? 0) + v;
      usage.set(n, u);
    }
    const failures: string[] = [];
    const preemption: string[] = [];
    const fits: NodeView[] = [];
    for (const node of nodes) {
      const u = usage.get(node.name) ?? { used: {}, count: 0 };
      const r = filterNode(pod, node, u.used, u.count);
      if (r.reasons.length === 0) fits.push(node);
      else {
        failures.push(...r.reasons);
        preemption.push(r.resourceFit ? "No preemption victims found for incoming pod" : "Preemption is not helpful for scheduling");
      }
    }
    if (fits.length === 0) {
      const message =
        nodes.length === 0
          ? "no nodes available to schedule pods"
          : `0/${nodes.length} nodes are available: ${histogram(failures)}. preemption: 0/${nodes.length} nodes are available: ${histogram(preemption)}.`;
      const first = !this.#unschedulable.has(key);
      this.#unschedulable.add(key);
      const before = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
      store.mutate(PODS, ns, name, (d) => {
        const status = (d["status"] ??= {}) as NonNullable<Pod["status"]>;
        status.phase ??= "Pending";
        status.conditions = setCondition(status.conditions ?? [], { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null }, now);
      }, { subresource: "status" });
      if (first || before?.message !== message) this.ctx.events.record(pod, "Warning", "FailedScheduling", message, { component: "default-scheduler" });
      return;
    }
    fits.sort((a, b) => (usage.get(a.name)?.count ?? 0) - (usage.get(b.name)?.count ?? 0) || a.name.localeCompare(b.name));
    const node = fits[0] as NodeView;
    this.#unschedulable.delete(key);
    const bound = store.mutate(PODS, ns, name, (d) => {
      const spec = d["spec"] as Pod["spec"];
      if (!spec.nodeName) spec.nodeName = node.name;
    });
    if (!bound || (bound as Pod).spec.nodeName !== node.name) return;
    store.mutate(PODS, ns, name, (d) => {
      const status = (d["status"] ??= {}) as NonNullable<Pod["status"]>;
      status.phase ??= "Pending";
      status.conditions = setCondition(status.conditions ?? [], { type: "PodScheduled", status: "True", lastProbeTime: null }, now);
    }, { subresource: "status" });
    this.ctx.events.record(pod, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${node.name}`, { component: "default-scheduler" });
  }
}
