/** Computes a pod's status (phase, conditions, container statuses) from the kubelet's view of its containers. */

import { createHash } from "node:crypto";
import type { Condition, Container, ContainerState, ContainerStatus, Pod, PodStatus } from "../controllers/k8s-types.js";
import { getCondition, setCondition } from "../controllers/objects.js";
import type { LogBuffer } from "./logs.js";
import type { MountedFs } from "./fs.js";
import type { Pipe } from "../shell/pipe.js";

export type ContainerKind = "init" | "sidecar" | "app";

/** The kubelet's record of one container of a pod across its runs. */
export interface ContainerRecord {
  spec: Container;
  kind: ContainerKind;
  state: ContainerState;
  lastState: ContainerState;
  restartCount: number;
  ready: boolean;
  started: boolean;
  containerID?: string;
  logs?: LogBuffer;
  previousLogs?: LogBuffer;
  fs?: MountedFs;
  env?: Record<string, string>;
  /** Aborts the current run with SIGTERM. */
  abort?: AbortController;
  /** Forces the current run to end as killed (exit 137). */
  kill?: () => void;
  /** Resolves when the container's run loop ends. */
  loop?: Promise<void>;
  /** Stdin of the current run, when the container spec has `stdin: true` (fed by attach sessions). */
  stdin?: Pipe;
  /** The spec changed (image update): the current run is stopped and started again at once. */
  restartRequested?: boolean;
}

export interface PodView {
  pod: Pod;
  containers: ContainerRecord[];
  initialized: boolean;
  sandboxReady: boolean;
  terminal?: "Succeeded" | "Failed";
  /** Pod-level reason/message (e.g. DeadlineExceeded). */
  reason?: string;
  message?: string;
  hostIP: string;
  podIP: string;
  startTime: string;
}

/** A stable digest-style image ID (what containerd reports after a pull). */
export function imageID(image: string): string {
  const digest = createHash("sha256").update(image).digest("hex");
  const slash = image.lastIndexOf("/");
  const withoutDigest = image.replace(/@.*$/, "");
  const colon = withoutDigest.lastIndexOf(":");
  const name = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const full = name.includes("/") ? (name.split("/")[0]?.includes(".") ? name : `docker.io/${name}`) : `docker.io/library/${name}`;
  return `${full}@sha256:${digest}`;
}

function qosClass(pod: Pod): string {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const res = all.map((c) => c.resources ?? {});
  if (res.every((r) => Object.keys(r.requests ?? {}).length === 0 && Object.keys(r.limits ?? {}).length === 0)) return "BestEffort";
  const guaranteed = res.every((r) => {
    const l = r.limits ?? {};
    const q = { ...l, ...(r.requests ?? {}) };
    return ["cpu", "memory"].every((k) => l[k] !== undefined && String(q[k]) === String(l[k]));
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}

function containerStatus(c: ContainerRecord): ContainerStatus {
  const s: ContainerStatus = {
    name: c.spec.name,
    image: c.spec.image ?? "",
    imageID: c.containerID ? imageID(c.spec.image ?? "") : "",
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state: c.state,
    lastState: c.lastState,
  };
  if (c.containerID) s.containerID = c.containerID;
  return s;
}

function hasRun(c: ContainerRecord): boolean {
  return c.state.running !== undefined || c.state.terminated !== undefined || c.lastState.terminated !== undefined;
}

export function computeStatus(view: PodView, previous: PodStatus | undefined, now: string): PodStatus {
  const apps = view.containers.filter((c) => c.kind === "app");
  const inits = view.containers.filter((c) => c.kind !== "app");
  const sidecars = inits.filter((c) => c.kind === "sidecar");
  const conditions: Condition[] = structuredClone(previous?.conditions ?? []);

  let phase: PodStatus["phase"] = "Pending";
  if (view.terminal) phase = view.terminal;
  else if (view.initialized && apps.every(hasRun)) phase = "Running";

  setCondition(conditions, { type: "PodReadyToStartContainers", status: view.sandboxReady ? "True" : "False", lastProbeTime: null }, now);
  const incompleteInit = inits.filter((c) => (c.kind === "sidecar" ? !c.started : c.state.terminated?.exitCode !== 0));
  if (view.initialized || inits.length === 0) setCondition(conditions, { type: "Initialized", status: "True", lastProbeTime: null }, now);
  else
    setCondition(conditions, { type: "Initialized", status: "False", reason: "ContainersNotInitialized", message: `containers with incomplete status: [${incompleteInit.map((c) => c.spec.name).join(" ")}]`, lastProbeTime: null }, now);

  const readiness = [...apps, ...sidecars];
  const unready = readiness.filter((c) => !c.ready);
  let ready: Condition;
  if (view.terminal) ready = { type: "Ready", status: "False", reason: "PodCompleted", lastProbeTime: null };
  else if (unready.length === 0 && view.initialized) ready = { type: "Ready", status: "True", lastProbeTime: null };
  else ready = { type: "Ready", status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${(unready.length ? unready : apps).map((c) => c.spec.name).join(" ")}]`, lastProbeTime: null };
  setCondition(conditions, { ...ready, type: "ContainersReady" }, now);
  setCondition(conditions, ready, now);
  // Keep the usual order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled, others.
  const order = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];
  conditions.sort((a, b) => (order.indexOf(a.type) + 1 || 99) - (order.indexOf(b.type) + 1 || 99));
  if (!getCondition(conditions, "PodScheduled")) conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now });

  const status: PodStatus = {
    ...(previous ?? {}),
    phase,
    conditions,
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    podIP: view.podIP,
    podIPs: [{ ip: view.podIP }],
    startTime: view.startTime,
    containerStatuses: apps.map(containerStatus),
    qosClass: previous?.qosClass ?? qosClass(view.pod),
  };
  if (view.reason) status.reason = view.reason;
  if (view.message) status.message = view.message;
  if (inits.length) status.initContainerStatuses = inits.map(containerStatus);
  else delete status.initContainerStatuses;
  return status;
}
