/**
 * Fault plans: from the run's generator, which faults hit which cluster and how often. Request
 * faults are emulator rules; they fire on every Nth matching request and a bounded number of
 * times, so a client that retries as it should always gets through. Disruptions (eviction, node
 * loss) hit a pod the scenario declares it survives, once it runs.
 */
import type { FaultHandle, KubeObject, MockCluster, RequestFaultRule, StoreEvent } from "@capstan/testing";
import type { Rng } from "./random.ts";
import type { ScenarioEnv } from "./scenario.ts";

export const FAULT_CLASSES = ["throttle", "serverError", "conflict", "reset", "lostResponse", "cutWatch", "expired", "cutLogs", "restart", "slow", "eviction", "nodeLoss"] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

/** What each class stands for (docs/reliability.md has the same table). */
export const FAULT_MEANING: Record<FaultClass, string> = {
  throttle: "429 TooManyRequests with Retry-After: 0",
  serverError: "500 InternalError or 503 ServiceUnavailable",
  conflict: "409 optimistic-lock Conflict on patches",
  reset: "connection reset before the request is served",
  lostResponse: "a write takes effect but its response is lost (connection cut)",
  cutWatch: "watch streams cut after a few events (closed or reset)",
  expired: "watch history compacted while watches are cut: resuming gets 410 Expired, the client relists",
  cutLogs: "log streams cut after some lines (closed or reset)",
  restart: "the whole apiserver restarts: every connection dropped, down for 0-150 ms",
  slow: "responses held 5-80 ms",
  eviction: "a running pod is evicted (graceful delete, DisruptionTarget)",
  nodeLoss: "the node of a running pod is lost: NotReady, its pods failed and deleted, back later",
};

const VERBS = ["get", "list", "watch", "create", "patch", "delete"];

/** "" for 1, else "2nd ", "3rd ", "4th " ...: "on every patch", "on every 3rd patch". */
function nth(n: number): string {
  return n === 1 ? "" : `${n}${n % 10 === 2 && n !== 12 ? "nd" : n % 10 === 3 && n !== 13 ? "rd" : "th"} `;
}

export interface PlannedFault {
  class: FaultClass;
  cluster: string;
  description: string;
  rule?: RequestFaultRule;
  /** Forget the watch history this often (ms), so a resumed watch meets 410 Expired. */
  compactEveryMs?: number;
  /** nodeLoss: how long the node stays lost (ms). */
  restoreMs?: number;
}

export interface FaultPlan {
  faults: PlannedFault[];
}

/** 1 to 3 fault classes (of those the scenario takes), each on one of its clusters. */
export function planFaults(rng: Rng, classes: readonly FaultClass[], env: Pick<ScenarioEnv, "clusters" | "disruptionClusters">): FaultPlan {
  const chosen = rng.sample(classes, rng.int(1, Math.min(3, classes.length)));
  const all = Object.keys(env.clusters);
  const disruptable = env.disruptionClusters ?? all;
  return { faults: chosen.map((c) => planOne(rng, c, rng.pick(c === "eviction" || c === "nodeLoss" ? disruptable : all))) };
}

function planOne(rng: Rng, cls: FaultClass, cluster: string): PlannedFault {
  const every = (min: number, max: number) => rng.int(min, max);
  const verbs = () => rng.sample(VERBS, rng.int(1, VERBS.length));
  const mk = (rule: RequestFaultRule, description: string): PlannedFault => ({ class: cls, cluster, rule, description });
  switch (cls) {
    case "throttle": {
      const v = verbs();
      const e = every(2, 6);
      return mk({ match: { verb: v }, every: e, times: rng.int(1, 6), action: { type: "status", code: 429, retryAfterSeconds: 0 } }, `429 on every ${nth(e)}${v.join("/")}`);
    }
    case "serverError": {
      const v = verbs();
      const code = rng.pick([500, 503]);
      const e = every(2, 6);
      return mk({ match: { verb: v }, every: e, times: rng.int(1, 6), action: { type: "status", code } }, `${code} on every ${nth(e)}${v.join("/")}`);
    }
    case "conflict": {
      const e = every(1, 3);
      return mk({ match: { verb: "patch" }, every: e, times: rng.int(1, 3), action: { type: "status", code: 409 } }, `409 on every ${nth(e)}patch`);
    }
    case "reset": {
      const v = verbs();
      const e = every(2, 6);
      return mk({ match: { verb: v }, every: e, times: rng.int(1, 4), action: { type: "reset" } }, `reset on every ${nth(e)}${v.join("/")}`);
    }
    case "lostResponse": {
      const v = rng.sample(["create", "patch", "delete"], rng.int(1, 3));
      const e = every(1, 3);
      return mk({ match: { verb: v }, every: e, times: rng.int(1, 2), action: { type: "dropResponse" } }, `response lost on every ${nth(e)}${v.join("/")}`);
    }
    case "cutWatch": {
      const after = rng.int(0, 3);
      const mode = rng.pick(["close", "reset"] as const);
      return mk({ match: { verb: "watch" }, every: every(1, 3), times: rng.int(1, 4), action: { type: "cutStream", after, mode } }, `watches cut (${mode}) after ${after} events`);
    }
    case "expired": {
      const every = rng.int(20, 120);
      return { ...mk({ match: { verb: "watch" }, every: 1, times: rng.int(1, 4), action: { type: "cutStream", after: rng.int(0, 2), mode: "close" } }, `watch history compacted every ${every}ms, watches cut`), compactEveryMs: every };
    }
    case "cutLogs": {
      const after = rng.int(1, 40);
      const mode = rng.pick(["close", "reset"] as const);
      return mk({ match: { subresource: "log" }, every: every(1, 2), times: rng.int(1, 4), action: { type: "cutStream", after, mode } }, `log streams cut (${mode}) after ${after} lines`);
    }
    case "restart": {
      const at = rng.int(3, 25);
      const downMs = rng.int(0, 150);
      return mk({ every: at, times: 1, action: { type: "restart", downMs } }, `apiserver restart at request ${at}, down ${downMs}ms`);
    }
    case "slow": {
      const ms = rng.int(5, 80);
      const e = every(2, 5);
      return mk({ match: { verb: verbs() }, every: e, times: rng.int(2, 20), action: { type: "delay", ms } }, `${ms}ms delay on every ${nth(e)}request`);
    }
    case "eviction":
      return { class: cls, cluster, description: "evict a running pod" };
    case "nodeLoss": {
      const restoreMs = rng.int(100, 400);
      return { class: cls, cluster, description: `lose a running pod's node for ${restoreMs}ms`, restoreMs };
    }
  }
}

export interface Installed {
  /** How many times each planned fault fired (disruptions: 0 or 1). */
  fired(): number[];
  /** Pods a disruption hit, as `<cluster>/<namespace>/<name>`. */
  disrupted: Set<string>;
  stop(): void;
}

/** Installs the plan on the environment's clusters. */
export function install(plan: FaultPlan, env: ScenarioEnv, rng: Rng): Installed {
  const handles: (FaultHandle | { fired: number })[] = [];
  const disrupted = new Set<string>();
  const stops: (() => void)[] = [];
  for (const [i, f] of plan.faults.entries()) {
    const cluster = env.clusters[f.cluster]!;
    cluster.faults.reseed(rng.seed * 31 + i);
    if (f.compactEveryMs) {
      const timer = setInterval(() => cluster.compactHistory(), f.compactEveryMs);
      stops.push(() => clearInterval(timer));
    }
    if (f.rule) {
      handles.push(cluster.faults.add(f.rule));
      continue;
    }
    const state = { fired: 0 };
    handles.push(state);
    stops.push(disruptOnce(cluster, f.cluster, f.class === "nodeLoss" ? "nodeLoss" : "eviction", rng.int(0, 40), f.restoreMs ?? 0, env, state, disrupted));
  }
  return {
    fired: () => handles.map((h) => h.fired),
    disrupted,
    stop: () => stops.forEach((s) => s()),
  };
}

const isRunning = (pod: KubeObject) => (pod["status"] as { phase?: string } | undefined)?.phase === "Running" && !pod.metadata.deletionTimestamp;

function disruptOnce(cluster: MockCluster, name: string, kind: "eviction" | "nodeLoss", delayMs: number, restoreMs: number, env: ScenarioEnv, state: { fired: number }, disrupted: Set<string>): () => void {
  const timers: NodeJS.Timeout[] = [];
  let armed = true;
  const unsubscribe = cluster.store.subscribe((e: StoreEvent) => {
    if (!armed || e.resource.resource !== "pods" || e.type === "DELETED" || !isRunning(e.object) || !env.disruptable?.(e.object, name)) return;
    armed = false;
    const pod = e.object;
    timers.push(
      setTimeout(() => {
        const live = cluster.get({ apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", namespace: pod.metadata.namespace ?? "default" });
        if (!live || !isRunning(live)) {
          armed = true; // gone or finished meanwhile: wait for the next one
          return;
        }
        state.fired = 1;
        if (kind === "eviction") {
          disrupted.add(`${name}/${pod.metadata.namespace}/${pod.metadata.name}`);
          cluster.faults.add({ type: "eviction", namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name ?? "" });
          return;
        }
        const node = String((live["spec"] as { nodeName?: string }).nodeName);
        for (const p of cluster.list("v1", "Pod")) {
          if ((p["spec"] as { nodeName?: string }).nodeName === node) disrupted.add(`${name}/${p.metadata.namespace}/${p.metadata.name}`);
        }
        const handle = cluster.faults.add({ type: "nodeLoss", node });
        timers.push(setTimeout(() => handle.remove(), restoreMs));
      }, delayMs),
    );
  });
  return () => {
    armed = false;
    unsubscribe();
    timers.forEach(clearTimeout);
  };
}
