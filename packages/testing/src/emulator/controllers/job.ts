/**
 * Job controller: runs pods up to `parallelism` until `completions` succeed (NonIndexed or Indexed),
 * counts succeeded/failed pods, honours backoffLimit (exponential re-creation back-off),
 * activeDeadlineSeconds, suspend and ttlSecondsAfterFinished, and writes the Complete/Failed
 * (with SuccessCriteriaMet/FailureTarget) conditions `kubectl wait --for=condition=complete` reads.
 */

import type { StoreEvent } from "../store/types.js";
import type { Condition, Pod, PodTemplate } from "./k8s-types.js";
import type { KubeObject } from "../store/types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { JOBS } from "./refs.js";
import { clone, controllerOf, getCondition, isDeleting, isPodReady, setCondition } from "./objects.js";
import { createPod, deletePod, deletionRank, ownedPods } from "./pods.js";
import { rfc3339 } from "../kubelet/clock.js";
import { scaledMs } from "../kubelet/timing.js";
import { statusCodeOf } from "../kubelet/errors.js";

interface Job extends KubeObject {
  spec: {
    parallelism?: number;
    completions?: number | null;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    completionMode?: "NonIndexed" | "Indexed";
    suspend?: boolean;
    ttlSecondsAfterFinished?: number;
    template: PodTemplate;
  };
  status?: {
    startTime?: string;
    completionTime?: string;
    active?: number;
    succeeded?: number;
    failed?: number;
    ready?: number;
    terminating?: number;
    completedIndexes?: string;
    conditions?: Condition[];
    uncountedTerminatedPods?: Record<string, unknown>;
  };
}

function finished(job: Job): "Complete" | "Failed" | undefined {
  for (const t of ["Complete", "Failed"] as const) if (getCondition(job.status?.conditions, t)?.status === "True") return t;
  return undefined;
}

/** "0,2-4" style ranges. */
function formatIndexes(set: Set<number>): string {
  const sorted = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

function podIndex(p: Pod): number | undefined {
  const v = p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"];
  return v === undefined ? undefined : Number(v);
}

export class JobController extends Controller {
  /** Terminal pods already counted, per job uid (the real controller tracks them with a finalizer). */
  readonly #counted = new Map<string, Set<string>>();
  /** Real-time ms when each job started (for activeDeadlineSeconds) and when its last pod failed. */
  readonly #started = new Map<string, number>();
  readonly #lastFailure = new Map<string, number>();
  readonly #finishedAt = new Map<string, number>();

  constructor(ctx: ControllerContext) {
    super(ctx, "job-controller");
  }

  protected override resync(): void {
    for (const j of this.ctx.store.list(JOBS)) this.queue.add(`${j.metadata.namespace}/${j.metadata.name}`);
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "batch", "jobs")) {
      if (e.type === "DELETED") {
        const uid = e.object.metadata.uid ?? "";
        this.#counted.delete(uid);
        this.#started.delete(uid);
        this.#lastFailure.delete(uid);
        this.#finishedAt.delete(uid);
      }
      this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    } else if (isResource(e, "", "pods")) {
      const owner = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (owner?.kind === "Job") this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
    }
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    const job = this.ctx.store.get(JOBS, ns, name) as Job | undefined;
    if (!job || isDeleting(job)) return;
    const uid = job.metadata.uid ?? "";
    const t = this.ctx.timing;
    const now = rfc3339(this.ctx.clock.now());
    const pods = ownedPods(this.ctx, job);
    const status = clone(job.status ?? {});
    const conditions = status.conditions ?? [];
    const done = finished(job);

    if (done) {
      for (const p of pods) if (!isDeleting(p) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed") deletePod(this.ctx, job, p);
      this.#ttl(key, job);
      return;
    }

    const counted = this.#counted.get(uid) ?? new Set<string>();
    this.#counted.set(uid, counted);
    const completed = new Set<number>();
    for (const part of (status.completedIndexes ?? "").split(",").filter(Boolean)) {
      const [a, b] = part.split("-").map(Number);
      for (let i = a ?? 0; i <= (b ?? a ?? 0); i++) completed.add(i);
    }
    let succeeded = status.succeeded ?? 0;
    let failed = status.failed ?? 0;
    for (const p of pods) {
      const phase = p.status?.phase;
      if ((phase !== "Succeeded" && phase !== "Failed") || counted.has(p.metadata.uid ?? "")) continue;
      counted.add(p.metadata.uid ?? "");
      if (phase === "Succeeded") {
        const idx = podIndex(p);
        if (job.spec.completionMode === "Indexed" && idx !== undefined) {
          if (!completed.has(idx)) succeeded++;
          completed.add(idx);
        } else succeeded++;
      } else {
        failed++;
        this.#lastFailure.set(uid, Date.now());
      }
    }
    const active = pods.filter((p) => !isDeleting(p) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
    const parallelism = job.spec.parallelism ?? 1;
    const completions = job.spec.completions === null ? undefined : (job.spec.completions ?? (job.spec.parallelism === undefined ? 1 : undefined));
    const backoffLimit = job.spec.backoffLimit ?? 6;

    if (!this.#started.has(uid)) this.#started.set(uid, Date.now());
    if (!status.startTime && !job.spec.suspend) status.startTime = now;

    let failure: { reason: string; message: string } | undefined;
    // With restartPolicy OnFailure, container restarts of active pods count against the back-off limit.
    const restarts = job.spec.template.spec.restartPolicy === "OnFailure" ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0), 0) : 0;
    if (failed + restarts > backoffLimit) failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
    else if (job.spec.activeDeadlineSeconds !== undefined && Date.now() - (this.#started.get(uid) ?? Date.now()) >= scaledMs(t, job.spec.activeDeadlineSeconds)) {
      failure = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
    }
    const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;

    if (failure) {
      for (const p of active) deletePod(this.ctx, job, p);
      setCondition(conditions, { type: "FailureTarget", status: "True", reason: failure.reason, message: failure.message, lastProbeTime: now }, now);
      setCondition(conditions, { type: "Failed", status: "True", reason: failure.reason, message: failure.message, lastProbeTime: now }, now);
      this.ctx.events.record(job, "Warning", failure.reason, failure.message, { component: "job-controller" });
    } else if (complete) {
      for (const p of active) deletePod(this.ctx, job, p);
      setCondition(conditions, { type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", lastProbeTime: now }, now);
      setCondition(conditions, { type: "Complete", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", lastProbeTime: now }, now);
      status.completionTime = now;
      this.ctx.events.record(job, "Normal", "Completed", "Job completed", { component: "job-controller" });
    } else if (job.spec.suspend) {
      for (const p of active) deletePod(this.ctx, job, p);
      if (getCondition(conditions, "Suspended")?.status !== "True") {
        setCondition(conditions, { type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended", lastProbeTime: now }, now);
        this.ctx.events.record(job, "Normal", "Suspended", "Job suspended", { component: "job-controller" });
      }
    } else {
      if (getCondition(conditions, "Suspended")?.status === "True") {
        setCondition(conditions, { type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", lastProbeTime: now }, now);
        this.ctx.events.record(job, "Normal", "Resumed", "Job resumed", { component: "job-controller" });
      }
      this.#scale(key, job, active, completed, succeeded, failed, parallelism, completions);
      if (job.spec.activeDeadlineSeconds !== undefined) {
        this.queue.addAfter(key, Math.max(1, (this.#started.get(uid) ?? Date.now()) + scaledMs(t, job.spec.activeDeadlineSeconds) - Date.now()));
      }
    }

    const fresh = ownedPods(this.ctx, job).filter((p) => !isDeleting(p) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
    const next: Job["status"] = { ...status, conditions };
    next.active = fresh.length;
    next.ready = fresh.filter(isPodReady).length;
    next.terminating = ownedPods(this.ctx, job).filter((p) => isDeleting(p) && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed").length;
    next.uncountedTerminatedPods = {};
    if (succeeded) next.succeeded = succeeded;
    if (failed) next.failed = failed;
    if (job.spec.completionMode === "Indexed") next.completedIndexes = formatIndexes(completed);
    if (!next.active) delete next.active;
    if (!next.conditions?.length) delete next.conditions;
    if (JSON.stringify(next) !== JSON.stringify(job.status ?? {})) {
      this.ctx.store.mutate(JOBS, ns, name, (d) => {
        d["status"] = next;
      }, { subresource: "status" });
    }
    if (failure || complete) this.#ttl(key, job);
  }

  #scale(key: string, job: Job, active: Pod[], completed: Set<number>, succeeded: number, failed: number, parallelism: number, completions: number | undefined): void {
    const remaining = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : completions - succeeded;
    const want = Math.max(0, Math.min(parallelism, remaining));
    if (active.length > want) {
      for (const p of [...active].sort(deletionRank).slice(0, active.length - want)) deletePod(this.ctx, job, p);
      return;
    }
    if (active.length === want) return;
    // Re-create failed pods only after the exponential back-off.
    if (failed > 0) {
      const wait = Math.min(this.ctx.timing.restartBackoff * 2 ** (failed - 1), this.ctx.timing.restartBackoff * 36);
      const left = (this.#lastFailure.get(job.metadata.uid ?? "") ?? 0) + wait - Date.now();
      if (left > 0) {
        this.queue.addAfter(key, left);
        return;
      }
    }
    const labels = { "batch.kubernetes.io/controller-uid": job.metadata.uid ?? "", "batch.kubernetes.io/job-name": job.metadata.name ?? "", "controller-uid": job.metadata.uid ?? "", "job-name": job.metadata.name ?? "" };
    if (job.spec.completionMode === "Indexed" && completions !== undefined) {
      const busy = new Set(active.map(podIndex));
      const free: number[] = [];
      for (let i = 0; i < completions && free.length < want - active.length; i++) if (!completed.has(i) && !busy.has(i)) free.push(i);
      for (const i of free) {
        createPod(this.ctx, job, job.spec.template, {
          generateName: `${job.metadata.name}-${i}-`,
          labels: { ...labels, "batch.kubernetes.io/job-completion-index": String(i) },
          annotations: { "batch.kubernetes.io/job-completion-index": String(i) },
          mutateSpec: (spec) => {
            spec.hostname ??= `${job.metadata.name}-${i}`;
            for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.env = [...(c.env ?? []), { name: "JOB_COMPLETION_INDEX", value: String(i) }];
          },
        });
      }
      return;
    }
    for (let i = active.length; i < want; i++) createPod(this.ctx, job, job.spec.template, { labels });
  }

  #ttl(key: string, job: Job): void {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const uid = job.metadata.uid ?? "";
    const at = this.#finishedAt.get(uid) ?? Date.now();
    this.#finishedAt.set(uid, at);
    const left = at + scaledMs(this.ctx.timing, ttl) - Date.now();
    if (left > 0) {
      this.queue.addAfter(key, left);
      return;
    }
    try {
      this.ctx.store.delete(JOBS, job.metadata.namespace, job.metadata.name ?? "", { propagationPolicy: "Background" });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }
}
