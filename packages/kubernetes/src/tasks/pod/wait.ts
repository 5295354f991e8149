/**
 * Waiting on the pod through a watch (resumed from the last resourceVersion, re-read on 410; see
 * wait/watch.ts) until a phase is reached, failing fast instead: when the pod cannot succeed
 * (lifecycle.ts), when it disappears or is deleted by someone else (Kestra's #188 hung until its
 * timeout), or when the phase's time budget runs out. Every pod seen is passed on, so logs start
 * the moment a container starts.
 */
import { CapstanError, type Logger } from "@capstan/core";
import type { KubeClient } from "../../client/client.js";
import type { ResourceInfo } from "../../client/discovery.js";
import type { KubeObject } from "../../objects.js";
import { waitForObject } from "../../wait/watch.js";
import { describePod, podProblem, type Pod, type PodProblem } from "./lifecycle.js";

export const POD_RESOURCE: ResourceInfo = { apiVersion: "v1", kind: "Pod", name: "pods", namespaced: true, verbs: [] };

/** setTimeout's limit (about 24.8 days): "no time limit". */
const FOREVER = 2 ** 31 - 1;

/** The pod cannot succeed; `problem` says why (the caller adds the container's last log lines). */
export class PodProblemError extends Error {
  constructor(readonly problem: PodProblem) {
    super(problem.message);
  }
}

export interface PodWatchOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  uid: string | undefined;
  signal: AbortSignal;
  log: Logger;
  failOnUnschedulable: boolean;
  /** Every version of the pod seen, in order. */
  onPod: (pod: Pod) => void;
  /** True once podCreate itself deletes the pod (its deletion is then no failure). */
  deleting: () => boolean;
}

export class PodWatch {
  latest: Pod | undefined;
  readonly #o: PodWatchOptions;

  constructor(options: PodWatchOptions) {
    this.#o = options;
  }

  /**
   * Resolves with the pod once `reached(pod)` holds. `deadline` (epoch ms) bounds the wait;
   * `phase` names it in the timeout error ("start", "finish").
   */
  async until(reached: (pod: Pod) => boolean, phase: string, deadline: number | undefined, budget: string): Promise<Pod> {
    const o = this.#o;
    const check = (obj: KubeObject | undefined) => {
      const pod = obj as Pod | undefined;
      if (!pod || (o.uid && pod.metadata?.uid !== o.uid)) return { done: false, fail: deletedError(o.name, "it no longer exists") };
      this.latest = pod;
      o.onPod(pod);
      if (pod.metadata?.deletionTimestamp && !o.deleting()) return { done: false, fail: deletedError(o.name, `its deletion started at ${pod.metadata.deletionTimestamp}`) };
      const problem = podProblem(pod, { failOnUnschedulable: o.failOnUnschedulable });
      if (problem) return { done: false, fail: new PodProblemError(problem) };
      if (reached(pod)) return { done: true };
      return { done: false, message: describePod(pod) };
    };
    const timeoutMs = deadline === undefined ? FOREVER : Math.min(FOREVER, Math.max(0, deadline - Date.now()));
    try {
      const pod = await waitForObject(o.client, POD_RESOURCE, o.namespace, o.name, check, {
        timeoutMs,
        signal: o.signal,
        onProgress: (m) => o.log.info(`pod ${o.name}: ${m}`),
        // While the watch is down, re-read the pod this often (one pod: cheap, and fail-fast stays fast).
        pollMs: 250,
      });
      return pod as Pod;
    } catch (err) {
      if (err instanceof CapstanError && err.code === "CAPSTAN_K8S_WAIT_TIMEOUT") {
        throw new CapstanError("CAPSTAN_K8S_POD_TIMEOUT", `pod ${o.name} did not ${phase} within ${budget}${this.latest ? ` (${describePod(this.latest)})` : ""}`, {
          hint: phase === "start" ? "raise waitUntilRunning, or look at why it is slow to start (image size, node capacity)" : "raise timeout, or make the workload faster",
          retryable: true,
        });
      }
      throw err;
    }
  }
}

export function deletedError(pod: string, how: string): CapstanError {
  return new CapstanError("CAPSTAN_K8S_POD_DELETED", `pod ${pod} was deleted by someone else before it finished (${how})`, {
    hint: "something deleted the pod: kubectl delete, an eviction, a node drain or a controller; run the step again",
    retryable: true,
  });
}
