/** Simulated nodes: creates the Node objects, hands out pod IPs, and marks nodes lost (NotReady, unreachable taints). */

import type { KubeObject, ObjectStore } from "../store/types.js";
import type { Clock, SimulatedNodeSpec } from "./types.js";
import type { Condition } from "../controllers/k8s-types.js";
import { NODES } from "../controllers/refs.js";
import { rfc3339 } from "./clock.js";
import { statusCodeOf } from "./errors.js";

export const DEFAULT_NODES: SimulatedNodeSpec[] = [1, 2, 3].map((i) => ({ name: `node-${i}` }));

const DEFAULT_CAPACITY = { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi" };

export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

interface NodeState {
  spec: SimulatedNodeSpec;
  index: number;
  ip: string;
  nextPod: number;
  lost: boolean;
  images: Set<string>;
}

export class NodeRegistry {
  readonly #store: ObjectStore;
  readonly #clock: Clock;
  readonly #nodes = new Map<string, NodeState>();

  constructor(store: ObjectStore, clock: Clock, specs: SimulatedNodeSpec[]) {
    this.#store = store;
    this.#clock = clock;
    specs.forEach((spec, i) => this.#nodes.set(spec.name, { spec, index: i + 1, ip: `172.18.0.${i + 2}`, nextPod: 2, lost: false, images: new Set() }));
  }

  names(): string[] {
    return [...this.#nodes.keys()];
  }

  has(name: string): boolean {
    return this.#nodes.has(name);
  }

  isActive(name: string): boolean {
    const n = this.#nodes.get(name);
    return n !== undefined && !n.lost;
  }

  hostIP(name: string): string {
    return this.#nodes.get(name)?.ip ?? "";
  }

  allocatePodIP(name: string): string {
    const n = this.#nodes.get(name);
    if (!n) return "";
    const ip = `10.244.${n.index}.${n.nextPod}`;
    n.nextPod = n.nextPod >= 254 ? 2 : n.nextPod + 1;
    return ip;
  }

  images(name: string): Set<string> {
    return this.#nodes.get(name)?.images ?? new Set();
  }

  /** Creates (or refreshes) every Node object. */
  register(): void {
    for (const n of this.#nodes.values()) {
      const object = this.#nodeObject(n);
      const existing = this.#store.get(NODES, undefined, n.spec.name);
      if (!existing) {
        const created = this.#store.create(NODES, object);
        this.#store.update(NODES, { ...created, status: object["status"] }, { subresource: "status" });
      } else {
        this.#store.mutate(NODES, undefined, n.spec.name, (d) => {
          d["status"] = object["status"];
        }, { subresource: "status" });
      }
    }
  }

  setLost(name: string, lost: boolean): void {
    const n = this.#nodes.get(name);
    if (!n) throw new Error(`unknown simulated node ${name}`);
    n.lost = lost;
    const now = rfc3339(this.#clock.now());
    try {
      this.#store.mutate(NODES, undefined, name, (d) => {
        const spec = (d["spec"] ?? {}) as { taints?: { key: string; effect: string; timeAdded?: string }[] };
        const taints = (spec.taints ?? []).filter((t) => t.key !== UNREACHABLE_TAINT);
        if (lost) taints.push({ key: UNREACHABLE_TAINT, effect: "NoSchedule", timeAdded: now }, { key: UNREACHABLE_TAINT, effect: "NoExecute", timeAdded: now });
        spec.taints = taints;
        if (taints.length === 0) delete spec.taints;
        d["spec"] = spec;
      });
      this.#store.mutate(NODES, undefined, name, (d) => {
        const status = (d["status"] ?? {}) as { conditions?: Condition[] };
        if (!lost) {
          d["status"] = this.#nodeObject(n)["status"];
          return;
        }
        status.conditions = (status.conditions ?? []).map((c) => ({ ...c, status: "Unknown" as const, reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: now }));
        d["status"] = status;
      }, { subresource: "status" });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  #nodeObject(n: NodeState): KubeObject {
    const now = rfc3339(this.#clock.now());
    const capacity = { ...DEFAULT_CAPACITY, ...(n.spec.capacity ?? {}) };
    const cond = (type: string, status: string, reason: string, message: string): Record<string, string> => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
    const spec: Record<string, unknown> = { podCIDR: `10.244.${n.index}.0/24`, podCIDRs: [`10.244.${n.index}.0/24`] };
    if (n.spec.taints?.length) spec["taints"] = n.spec.taints;
    if (n.spec.unschedulable) spec["unschedulable"] = true;
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: n.spec.name,
        labels: {
          "kubernetes.io/hostname": n.spec.name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "beta.kubernetes.io/os": "linux",
          "beta.kubernetes.io/arch": "amd64",
          ...(n.spec.labels ?? {}),
        },
        annotations: { "node.alpha.kubernetes.io/ttl": "0" },
      },
      spec,
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
          cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
          cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        addresses: [
          { type: "InternalIP", address: n.ip },
          { type: "Hostname", address: n.spec.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: n.spec.name,
          systemUUID: n.spec.name,
          bootID: n.spec.name,
          kernelVersion: "6.1.0",
          osImage: "Capstan simulated node",
          containerRuntimeVersion: "containerd://1.7.0",
          kubeletVersion: "v1.32.0",
          kubeProxyVersion: "v1.32.0",
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    };
  }
}
