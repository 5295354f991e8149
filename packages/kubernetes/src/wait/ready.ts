/**
 * Waits until an object is ready (see readiness.ts), logging progress as it changes, and for
 * workloads checks their pods so a rollout that cannot succeed fails early with the pods' reasons
 * instead of running into the timeout.
 */
import type { Logger } from "@capstan/core";
import type { KubeClient } from "../client/client.js";
import { objectPath, resourceFor, type ResourceInfo } from "../client/discovery.js";
import { describeObject, type KubeObject } from "../objects.js";
import { notReadyError, podProblem, readiness } from "./readiness.js";
import { waitForObject, type Verdict } from "./watch.js";

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

export async function waitUntilReady(client: KubeClient, res: ResourceInfo, obj: KubeObject, options: { timeoutMs: number; signal: AbortSignal; log: Logger; pollMs?: number }): Promise<KubeObject> {
  const name = obj.metadata.name!;
  const ns = res.namespaced ? obj.metadata.namespace : undefined;
  const what = `${describeObject(obj)} on ${client.label}`;
  let podRes: ResourceInfo | undefined;
  const check = async (live: KubeObject | undefined): Promise<Verdict> => {
    const v = readiness(live, what);
    if (v.done || v.fail || !live || !WORKLOADS.has(live.kind)) return v;
    const selector = (live as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec?.selector?.matchLabels;
    if (!selector) return v;
    podRes ??= await resourceFor(client, "v1", "Pod", options.signal);
    const list = await client.json<{ items: KubeObject[] }>("GET", objectPath(podRes, ns), {
      query: { labelSelector: Object.entries(selector).map(([k, val]) => `${k}=${val}`).join(",") },
      signal: options.signal,
    });
    for (const pod of list.items) {
      const problem = podProblem(pod);
      if (problem) return { ...v, fail: notReadyError(what, `pod ${pod.metadata.name}: ${problem}`) };
    }
    return v;
  };
  const out = await waitForObject(client, res, ns, name, check, {
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    onProgress: (m) => options.log.info(`${describeObject(obj)}: ${m}`),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
  });
  return out ?? obj;
}
