/**
 * Reading a pod's status: whether it can still succeed (fail fast on image pull back-off, an
 * unschedulable pod with the scheduler's message, crash loops, bad container config, deletion by
 * someone else), whether its containers have started or finished, their exit codes, and why a
 * finished pod failed. Pure functions over the Pod object; the waits that use them are in wait.ts.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { CapstanError } from "@capstan/core";
import type { Jsonify } from "../../kinds.js";
import { INIT_FILES, OUT_FILES } from "./spec.js";

export type Pod = Jsonify<V1Pod>;
type ContainerStatus = NonNullable<NonNullable<Pod["status"]>["containerStatuses"]>[number];

const IMAGE = new Set(["ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"]);
const CONFIG = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError", "PostStartHookError"]);

export interface PodProblem {
  code: string;
  message: string;
  hint: string;
  /** The container concerned, if one is (its last log lines help). */
  container?: string;
}

function statuses(pod: Pod): ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

export function containerStatus(pod: Pod, name: string): ContainerStatus | undefined {
  return statuses(pod).find((s) => s.name === name);
}

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** Why the pod cannot succeed however long we wait, or undefined. */
export function podProblem(pod: Pod, options: { failOnUnschedulable: boolean }): PodProblem | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (options.failOnUnschedulable && scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return {
      code: "CAPSTAN_K8S_POD_UNSCHEDULABLE",
      message: `no node can run it: ${scheduled.message ?? "the scheduler found no node that fits"}`,
      hint: "check the pod's resource requests (GPUs, memory), nodeSelector, affinity and tolerations against the cluster's nodes, or set unschedulable: \"wait\" to wait for a node to be added",
    };
  }
  for (const s of statuses(pod)) {
    const w = s.state?.waiting;
    if (!w?.reason) continue;
    const detail = `${w.reason}${w.message ? `: ${w.message}` : ""}`;
    if (IMAGE.has(w.reason)) {
      return { code: "CAPSTAN_K8S_IMAGE_PULL", message: `container ${s.name} cannot get its image${s.image ? ` ${s.image}` : ""}: ${detail}`, hint: "check the image name and tag, and that the cluster can pull it (imagePullSecrets for private registries)", container: s.name };
    }
    if (w.reason === "CrashLoopBackOff") {
      const last = s.lastState?.terminated;
      return {
        code: "CAPSTAN_K8S_POD_CRASHLOOP",
        message: `container ${s.name} keeps crashing (CrashLoopBackOff after ${s.restartCount} restarts${last ? `, last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ""}` : ""})`,
        hint: "read the container's last log lines above; fix the command or the image",
        container: s.name,
      };
    }
    if (CONFIG.has(w.reason)) {
      return { code: "CAPSTAN_K8S_POD_CONFIG", message: `container ${s.name} cannot be created: ${detail}`, hint: "check the container's config: referenced ConfigMaps and Secrets must exist, the command must be runnable", container: s.name };
    }
  }
  return undefined;
}

/** Running now, or ran (terminated, or restarted since). */
export function hasStarted(s: ContainerStatus | undefined): boolean {
  return !!s && (s.state?.running !== undefined || s.state?.terminated !== undefined || (s.restartCount ?? 0) > 0 || s.lastState?.terminated !== undefined);
}

/** Has run for the last time (terminated, and its restart policy will not run it again). */
export function hasFinished(pod: Pod, name: string): boolean {
  const s = containerStatus(pod, name);
  const t = s?.state?.terminated;
  if (!t) return false;
  if (isTerminal(pod)) return true;
  const policy = pod.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy ?? pod.spec?.restartPolicy ?? "Always";
  return policy === "Never" || (policy === "OnFailure" && t.exitCode === 0);
}

export function allStarted(pod: Pod, names: readonly string[]): boolean {
  return isTerminal(pod) || names.every((n) => hasStarted(containerStatus(pod, n)));
}

export function allFinished(pod: Pod, names: readonly string[]): boolean {
  return isTerminal(pod) || names.every((n) => hasFinished(pod, n));
}

/** The init container waiting for input files: not started yet, waiting for them, or past. */
export function initFilesState(pod: Pod): "pending" | "running" | "done" {
  const s = containerStatus(pod, INIT_FILES);
  if (s?.state?.terminated || isTerminal(pod) || pod.status?.containerStatuses?.some((c) => c.name !== OUT_FILES && hasStarted(c))) return "done";
  if (s?.state?.running) return "running";
  return "pending";
}

/**
 * What the pod is doing before its main containers end, as `ctx.phase` names it: waiting for a
 * node, pulling images and creating containers, running the user's init containers, waiting for
 * the input files, or running.
 */
export type StartPhase = "scheduling" | "starting" | "init" | "input-files" | "running";

export function startPhase(pod: Pod, containers: { init: readonly string[]; main: readonly string[] }): StartPhase {
  if (isTerminal(pod) || containers.main.some((n) => hasStarted(containerStatus(pod, n)))) return "running";
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled")?.status === "True";
  if (!pod.spec?.nodeName && !scheduled) return "scheduling";
  if (containerStatus(pod, INIT_FILES)?.state?.running) return "input-files";
  if (containers.init.some((n) => containerStatus(pod, n)?.state?.running)) return "init";
  return "starting";
}

/** Exit code of each named container that has terminated (its last run). */
export function exitCodes(pod: Pod, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) {
    const s = containerStatus(pod, n);
    const t = s?.state?.terminated ?? s?.lastState?.terminated;
    if (t) out[n] = t.exitCode;
  }
  return out;
}

/** Why a finished pod failed: the first container that exited non-zero, else the pod's reason. */
export function completionProblem(pod: Pod, containers: { init: readonly string[]; main: readonly string[] }): PodProblem | undefined {
  for (const n of [...containers.init, ...containers.main]) {
    const t = containerStatus(pod, n)?.state?.terminated;
    if (t && t.exitCode !== 0) {
      return {
        code: "CAPSTAN_K8S_POD_FAILED",
        message: `container ${n} exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}${t.message ? `: ${t.message.trim()}` : ""}`,
        hint: "read the container's last log lines; the step failed because the container did",
        container: n,
      };
    }
  }
  if (pod.status?.phase === "Failed") {
    return {
      code: "CAPSTAN_K8S_POD_FAILED",
      message: `the pod failed${pod.status.reason ? ` (${pod.status.reason})` : ""}${pod.status.message ? `: ${pod.status.message}` : ""}`,
      hint: "the pod was stopped by the cluster (eviction, deadline, node loss); look at its events",
    };
  }
  return undefined;
}

/** One line for progress logs: the phase and what containers wait for. */
export function describePod(pod: Pod): string {
  const waiting = statuses(pod)
    .filter((s) => s.state?.waiting?.reason && s.name !== INIT_FILES && s.name !== OUT_FILES)
    .map((s) => `${s.name}: ${s.state!.waiting!.reason}`);
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  const unscheduled = scheduled?.status === "False" ? ` (unschedulable: ${scheduled.message ?? scheduled.reason ?? ""})` : "";
  return `${pod.status?.phase ?? "Pending"}${waiting.length ? ` (${waiting.join(", ")})` : ""}${unscheduled}`;
}

/** Failures a new attempt may not repeat (a flaky program); the others need a fix first. */
const RETRYABLE = new Set(["CAPSTAN_K8S_POD_FAILED", "CAPSTAN_K8S_POD_CRASHLOOP"]);

export function problemError(pod: string, p: PodProblem, lastLines?: readonly string[]): CapstanError {
  const tail = lastLines?.length ? `\nlast log lines of ${p.container}:\n${lastLines.map((l) => `  ${l}`).join("\n")}` : "";
  return new CapstanError(p.code, `pod ${pod}: ${p.message}${tail}`, { hint: p.hint, retryable: RETRYABLE.has(p.code), details: { pod, ...(p.container ? { container: p.container } : {}) } });
}
