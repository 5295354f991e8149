/**
 * Never two pods for one step attempt. Before creating, podCreate looks for the pod this step
 * attempt may already have: the one its interrupted run recorded in a checkpoint (when the
 * execution is resumed), and any pod labelled with this execution, step and attempt (the current
 * one, and the interrupted one, whose number may differ: Kestra's #249). With `resume` (default)
 * it reattaches to that pod, continuing its log where the checkpoint left it; without, it deletes
 * it and starts over. Creating uses a deterministic name, so a create retried after a lost
 * response meets its own pod (409) and adopts it.
 */
import type { ResumedAttempt, Logger } from "@capstan/core";
import { CapstanError } from "@capstan/core";
import type { KubeClient } from "../../client/client.js";
import { KubernetesError } from "../../errors.js";
import type { ContainerCheckpoint } from "./logs.js";
import type { Pod } from "./lifecycle.js";
import { identityLabels, LABELS, STEP_PATH_ANNOTATION, type PodObject, type StepIdentity } from "./spec.js";

export interface PodCheckpoint {
  pod: { name: string; namespace: string; uid: string };
  /** Per container: where its log was read to, and the vars its lines had set. */
  logs?: Record<string, ContainerCheckpoint>;
}

export function readCheckpoint(data: unknown): PodCheckpoint | undefined {
  const pod = (data as { pod?: Partial<PodCheckpoint["pod"]> } | undefined)?.pod;
  if (!pod || typeof pod.name !== "string" || typeof pod.namespace !== "string" || typeof pod.uid !== "string") return undefined;
  const logs = (data as { logs?: unknown }).logs;
  const valid: Record<string, ContainerCheckpoint> = {};
  if (logs && typeof logs === "object") {
    for (const [k, v] of Object.entries(logs as Record<string, unknown>)) {
      const c = v as Partial<ContainerCheckpoint>;
      if (typeof c?.time !== "string" || typeof c.count !== "number") continue;
      const vars = c.vars && typeof c.vars === "object" && !Array.isArray(c.vars) ? { vars: { ...c.vars } } : {};
      valid[k] = { time: c.time, count: c.count, ...vars };
    }
  }
  return { pod: { name: pod.name, namespace: pod.namespace, uid: pod.uid }, logs: valid };
}

export interface AttachOptions {
  client: KubeClient;
  namespace: string;
  desired: PodObject;
  identity: StepIdentity;
  resumed: ResumedAttempt | undefined;
  resume: boolean;
  signal: AbortSignal;
  log: Logger;
  /** Waits until a pod is gone (used before re-creating a name that is still terminating). */
  waitGone: (name: string) => Promise<void>;
}

export interface Attached {
  pod: Pod;
  created: boolean;
  /** Where the log was read up to (and its vars), when reattaching to the checkpointed pod. */
  cursors?: Record<string, ContainerCheckpoint>;
}

export async function attachOrCreate(o: AttachOptions): Promise<Attached> {
  const podsPath = `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods`;
  const checkpoint = readCheckpoint(o.resumed?.checkpoint);
  const found = new Map<string, Pod>();
  if (checkpoint && checkpoint.pod.namespace === o.namespace) {
    const pod = await getPod(o, podsPath, checkpoint.pod.name);
    if (pod?.metadata?.uid === checkpoint.pod.uid) found.set(pod.metadata.uid, pod);
  }
  const attempts = new Set([o.identity.attempt, ...(o.resumed ? [o.resumed.attempt] : [])]);
  for (const attempt of attempts) {
    const labels = identityLabels({ ...o.identity, attempt });
    const selector = [LABELS.execution, LABELS.step, LABELS.attempt].map((k) => `${k}=${labels[k]}`).join(",");
    const list = await o.client.json<{ items: Pod[] }>("GET", podsPath, { query: { labelSelector: selector }, signal: o.signal });
    for (const pod of list.items) {
      if (pod.metadata?.uid && pod.metadata.annotations?.[STEP_PATH_ANNOTATION] === o.identity.stepPath) found.set(pod.metadata.uid, pod);
    }
  }
  const live = [...found.values()].filter((p) => !p.metadata?.deletionTimestamp);
  if (o.resume && live.length) {
    const chosen = live.find((p) => p.metadata?.uid === checkpoint?.pod.uid) ?? newest(live);
    for (const other of live) {
      if (other === chosen) continue;
      o.log.warn(`pod ${other.metadata?.name} also belongs to this step attempt: deleting it (one pod per attempt)`);
      await deletePod(o, podsPath, other.metadata!.name!);
    }
    o.log.info(`reattached to pod ${chosen.metadata?.name} (${chosen.status?.phase ?? "Pending"}) instead of creating another`);
    const cursors = chosen.metadata?.uid === checkpoint?.pod.uid ? checkpoint?.logs : undefined;
    return { pod: chosen, created: false, ...(cursors ? { cursors } : {}) };
  }
  for (const p of live) {
    o.log.info(`deleting pod ${p.metadata?.name} left by an interrupted attempt (resume: false)`);
    await deletePod(o, podsPath, p.metadata!.name!);
  }
  return { pod: await create(o, podsPath), created: true };
}

async function create(o: AttachOptions, podsPath: string): Promise<Pod> {
  const name = o.desired.metadata.name;
  for (let tries = 0; ; tries++) {
    try {
      const pod = await o.client.json<Pod>("POST", podsPath, { body: o.desired, signal: o.signal, query: { fieldValidation: "Strict" }, onRetry: (m) => o.log.warn(m) });
      o.log.info(`created pod ${pod.metadata?.name} in ${o.namespace}`);
      return pod;
    } catch (err) {
      if (!(err instanceof KubernetesError && err.httpStatus === 409) || tries >= 2) throw err;
      // The name exists: our own pod from a create whose response was lost, or one still going away.
      const existing = await getPod(o, podsPath, name);
      if (!existing) continue;
      if (!isOurs(existing, o)) {
        throw new CapstanError("CAPSTAN_K8S_ALREADY_EXISTS", `pod ${o.namespace}/${name} already exists and belongs to something else`, {
          hint: "give podCreate another metadata.name, or leave it out for a generated one",
          retryable: false,
        });
      }
      if (!existing.metadata?.deletionTimestamp) return existing;
      await o.waitGone(name);
    }
  }
}

function isOurs(pod: Pod, o: AttachOptions): boolean {
  const want = identityLabels(o.identity);
  return Object.entries(want).every(([k, v]) => pod.metadata?.labels?.[k] === v) && pod.metadata?.annotations?.[STEP_PATH_ANNOTATION] === o.identity.stepPath;
}

function newest(pods: Pod[]): Pod {
  return pods.reduce((a, b) => ((b.metadata?.creationTimestamp ?? "") > (a.metadata?.creationTimestamp ?? "") ? b : a));
}

async function getPod(o: AttachOptions, podsPath: string, name: string): Promise<Pod | undefined> {
  try {
    return await o.client.json<Pod>("GET", `${podsPath}/${encodeURIComponent(name)}`, { signal: o.signal });
  } catch (err) {
    if (err instanceof KubernetesError && err.httpStatus === 404) return undefined;
    throw err;
  }
}

async function deletePod(o: AttachOptions, podsPath: string, name: string): Promise<void> {
  try {
    await o.client.json("DELETE", `${podsPath}/${encodeURIComponent(name)}`, { signal: o.signal });
  } catch (err) {
    if (!(err instanceof KubernetesError && err.httpStatus === 404)) throw err;
  }
}
