/**
 * The emulated cluster's moving parts behind the API: workload controllers, garbage collector,
 * scheduler and the simulated kubelet running programmable containers. `createClusterRuntime(store)`
 * wires them to an ObjectStore; the HTTP server serves logs/exec/eviction through `runtime.pods` and
 * `runtime.faults`. See ./types.ts for the contract.
 */

import type { ObjectStore } from "../store/types.js";
import type { ClusterRuntime, ClusterRuntimeOptions, KubeStatus, RuntimeFaults } from "./types.js";
import { RealClock } from "./clock.js";
import { resolveTiming } from "./timing.js";
import { ProgramRegistry } from "./programs.js";
import { DEFAULT_NODES, NodeRegistry } from "./nodes.js";
import { Kubelet } from "./kubelet.js";
import { KubeletPodRuntime } from "./pod-runtime.js";
import { EventRecorder } from "../controllers/events.js";
import { PodCache } from "../controllers/pod-cache.js";
import type { Controller, ControllerContext } from "../controllers/controller.js";
import { Scheduler } from "../controllers/scheduler.js";
import { ReplicaSetController } from "../controllers/replicaset.js";
import { DeploymentController } from "../controllers/deployment.js";
import { StatefulSetController } from "../controllers/statefulset.js";
import { DaemonSetController } from "../controllers/daemonset.js";
import { JobController } from "../controllers/job.js";
import { CronJobController } from "../controllers/cronjob.js";
import { GarbageCollector } from "../controllers/gc.js";
import { NodeLifecycleController } from "../controllers/node-lifecycle.js";
import { evictPod } from "../controllers/eviction.js";

export type * from "./types.js";
export { RuntimeStatusError } from "./errors.js";
export { ManualClock, RealClock } from "./clock.js";
export { ProgramRegistry } from "./programs.js";
export { MemFs } from "./fs.js";
export { EXEC_SUBPROTOCOLS, parseExecQuery, selectExecSubprotocol } from "./exec-ws.js";

export function createClusterRuntime(store: ObjectStore, options: ClusterRuntimeOptions = {}): ClusterRuntime {
  const clock = options.clock ?? new RealClock();
  const timing = resolveTiming(options.timing);
  const programs = options.programs ?? new ProgramRegistry();
  const events = new EventRecorder(store, clock);
  const nodes = new NodeRegistry(store, clock, options.nodes ?? DEFAULT_NODES);
  const kubelet = new Kubelet({ store, clock, timing, events, programs, nodes });
  const pods = new KubeletPodRuntime(store, kubelet, programs, clock, timing);
  const podCache = new PodCache();
  const ctx: ControllerContext = {
    store,
    clock,
    timing,
    events,
    pods: podCache,
    report: (component, key, err) => {
      // Controllers retry conflicts themselves; a key failing after all retries is reported once.
      process.emitWarning(`${component}: giving up on ${key}: ${err instanceof Error ? err.message : String(err)}`);
    },
  };
  const nodeLifecycle = new NodeLifecycleController(ctx, nodes);
  nodeLifecycle.onRestore((name) => kubelet.nodeRestored(name));
  const controllers: Controller[] = [
    new Scheduler(ctx),
    new ReplicaSetController(ctx),
    new DeploymentController(ctx),
    new StatefulSetController(ctx),
    new DaemonSetController(ctx),
    new JobController(ctx),
    new CronJobController(ctx),
    new GarbageCollector(ctx),
    nodeLifecycle,
  ];
  const faults: RuntimeFaults = {
    evictPod: (namespace, name, opts): KubeStatus => evictPod(ctx, namespace, name, opts),
    loseNode: (name) => {
      nodes.setLost(name, true);
      kubelet.nodeLost(name);
      nodeLifecycle.nodeLost(name);
    },
    restoreNode: (name) => {
      nodes.setLost(name, false);
      nodeLifecycle.nodeRestored(name);
    },
    failImagePull: (rule) => kubelet.failImagePull(rule),
  };
  let started = false;
  return {
    pods,
    programs,
    faults,
    clock,
    timing,
    async start() {
      if (started) return;
      started = true;
      nodes.register();
      podCache.start(store);
      for (const c of controllers) c.start();
      kubelet.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      for (const c of controllers) c.stop();
      kubelet.stop();
      podCache.stop();
    },
  };
}
