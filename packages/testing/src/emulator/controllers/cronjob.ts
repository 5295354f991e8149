/**
 * CronJob controller: creates a Job (`<cronjob>-<scheduled minutes since epoch>`) at each schedule time
 * of the runtime Clock (tests pass a ManualClock and advance it), honours suspend, concurrencyPolicy,
 * startingDeadlineSeconds and the history limits, and keeps status.active/lastScheduleTime/lastSuccessfulTime.
 */

import { Cron } from "croner";
import type { KubeObject, StoreEvent } from "../store/types.js";
import type { Condition, PodTemplate } from "./k8s-types.js";
import { Controller, isResource, splitKey, type ControllerContext } from "./controller.js";
import { CRONJOBS, JOBS } from "./refs.js";
import { controllerOf, controllerRef, getCondition, isControlledBy, isDeleting } from "./objects.js";
import { rfc3339 } from "../kubelet/clock.js";
import { statusCodeOf } from "../kubelet/errors.js";

interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    suspend?: boolean;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
    startingDeadlineSeconds?: number;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: { metadata?: KubeObject["metadata"]; spec: { template: PodTemplate; [k: string]: unknown } };
  };
  status?: { active?: { apiVersion: string; kind: string; name: string; namespace: string; uid: string; resourceVersion?: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

const MACROS: Record<string, string> = { "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *" };

function jobState(job: KubeObject): "Complete" | "Failed" | undefined {
  const conditions = (job["status"] as { conditions?: Condition[] } | undefined)?.conditions;
  for (const t of ["Complete", "Failed"] as const) if (getCondition(conditions, t)?.status === "True") return t;
  return undefined;
}

export class CronJobController extends Controller {
  readonly #timers = new Map<string, () => void>();
  /** Clock time each CronJob was first seen: the schedule starts there (creationTimestamp is wall time, the clock may be a test clock). */
  readonly #firstSeen = new Map<string, number>();

  constructor(ctx: ControllerContext) {
    super(ctx, "cronjob-controller");
  }

  override stop(): void {
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    super.stop();
  }

  protected override resync(): void {
    for (const c of this.ctx.store.list(CRONJOBS)) this.queue.add(`${c.metadata.namespace}/${c.metadata.name}`);
  }

  protected override onEvent(e: StoreEvent): void {
    if (isResource(e, "batch", "cronjobs")) this.queue.add(`${e.object.metadata.namespace}/${e.object.metadata.name}`);
    else if (isResource(e, "batch", "jobs")) {
      const owner = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (owner?.kind === "CronJob") this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
    }
  }

  #cron(cj: CronJob): Cron | undefined {
    let pattern = cj.spec.schedule.trim();
    let tz = cj.spec.timeZone ?? "UTC";
    const m = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(pattern);
    if (m) {
      tz = m[1] ?? tz;
      pattern = m[2] ?? pattern;
    }
    pattern = MACROS[pattern] ?? pattern;
    try {
      return new Cron(pattern, { timezone: tz, paused: true });
    } catch {
      return undefined;
    }
  }

  protected override reconcile(key: string): void {
    const [ns, name] = splitKey(key);
    this.#timers.get(key)?.();
    this.#timers.delete(key);
    const store = this.ctx.store;
    const cj = store.get(CRONJOBS, ns, name) as CronJob | undefined;
    if (!cj || isDeleting(cj)) return;
    const jobs = store.list(JOBS, ns).filter((j) => isControlledBy(j, cj));
    const nowMs = this.ctx.clock.now();
    const status = { ...(cj.status ?? {}) };

    // Keep status.active in line with unfinished jobs; record the last success.
    const running = jobs.filter((j) => !jobState(j) && !isDeleting(j));
    status.active = running.map((j) => ({ apiVersion: "batch/v1", kind: "Job", name: j.metadata.name ?? "", namespace: ns, uid: j.metadata.uid ?? "", resourceVersion: j.metadata.resourceVersion ?? "" }));
    for (const j of jobs) {
      if (jobState(j) !== "Complete") continue;
      const t = (j["status"] as { completionTime?: string } | undefined)?.completionTime;
      if (t && (!status.lastSuccessfulTime || t > status.lastSuccessfulTime)) status.lastSuccessfulTime = t;
    }

    const cron = this.#cron(cj);
    if (!cron) {
      this.ctx.events.record(cj, "Warning", "UnparseableSchedule", `unparseable schedule: "${cj.spec.schedule}"`, { component: "cronjob-controller" });
      return;
    }
    const uid = cj.metadata.uid ?? "";
    if (!this.#firstSeen.has(uid)) this.#firstSeen.set(uid, nowMs);
    const from = status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : (this.#firstSeen.get(uid) ?? nowMs);
    let due: Date | undefined;
    let cursor: Date | null = cron.nextRun(new Date(from));
    for (let i = 0; cursor && cursor.getTime() <= nowMs && i < 1000; i++) {
      due = cursor;
      cursor = cron.nextRun(cursor);
    }
    if (due && !cj.spec.suspend) {
      const deadline = cj.spec.startingDeadlineSeconds;
      const tooLate = deadline !== undefined && due.getTime() < nowMs - deadline * 1000;
      if (tooLate) {
        this.ctx.events.record(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${due.toISOString().replace(".000Z", "Z")}`, { component: "cronjob-controller" });
      } else if ((cj.spec.concurrencyPolicy ?? "Allow") === "Forbid" && running.length > 0) {
        this.ctx.events.record(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", { component: "cronjob-controller" });
        due = undefined;
      } else {
        if (cj.spec.concurrencyPolicy === "Replace") {
          for (const j of running) {
            this.#deleteJob(j);
            this.ctx.events.record(cj, "Normal", "SuccessfulDelete", `Deleted job ${j.metadata.name}`, { component: "cronjob-controller" });
          }
          status.active = [];
        }
        const job = this.#createJob(cj, due);
        if (job) status.active = [...(status.active ?? []), { apiVersion: "batch/v1", kind: "Job", name: job.metadata.name ?? "", namespace: ns, uid: job.metadata.uid ?? "", resourceVersion: job.metadata.resourceVersion ?? "" }];
      }
      if (due) status.lastScheduleTime = rfc3339(due.getTime());
    }
    if (!status.active?.length) delete status.active;
    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) {
      store.mutate(CRONJOBS, ns, name, (d) => {
        d["status"] = status;
      }, { subresource: "status" });
    }
    this.#cleanup(cj, jobs);
    const next = cron.nextRun(new Date(Math.max(nowMs, status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : 0)));
    if (next) this.#timers.set(key, this.ctx.clock.setTimer(next.getTime(), () => this.queue.add(key)));
  }

  #createJob(cj: CronJob, at: Date): KubeObject | undefined {
    const name = `${cj.metadata.name}-${Math.floor(at.getTime() / 60000)}`;
    const tmpl = cj.spec.jobTemplate;
    try {
      const job = this.ctx.store.create(JOBS, {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name,
          namespace: cj.metadata.namespace,
          labels: { ...(tmpl.metadata?.labels ?? {}) },
          annotations: { ...(tmpl.metadata?.annotations ?? {}), "batch.kubernetes.io/cronjob-scheduled-timestamp": at.toISOString().replace(".000Z", "Z") },
          ownerReferences: [controllerRef(cj)],
        },
        spec: structuredClone(tmpl.spec),
      });
      this.ctx.events.record(cj, "Normal", "SuccessfulCreate", `Created job ${name}`, { component: "cronjob-controller" });
      return job;
    } catch (err) {
      if (statusCodeOf(err) === 409) return this.ctx.store.get(JOBS, cj.metadata.namespace, name);
      this.ctx.events.record(cj, "Warning", "FailedCreate", `Error creating job: ${err instanceof Error ? err.message : String(err)}`, { component: "cronjob-controller" });
      return undefined;
    }
  }

  #deleteJob(job: KubeObject): void {
    try {
      this.ctx.store.delete(JOBS, job.metadata.namespace, job.metadata.name ?? "", { propagationPolicy: "Background" });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  #cleanup(cj: CronJob, jobs: KubeObject[]): void {
    const byStart = (a: KubeObject, b: KubeObject): number => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
    const limits = { Complete: cj.spec.successfulJobsHistoryLimit ?? 3, Failed: cj.spec.failedJobsHistoryLimit ?? 1 };
    for (const state of ["Complete", "Failed"] as const) {
      const done = jobs.filter((j) => jobState(j) === state && !isDeleting(j)).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limits[state]))) {
        this.#deleteJob(j);
        this.ctx.events.record(cj, "Normal", "SuccessfulDelete", `Deleted job ${j.metadata.name}`, { component: "cronjob-controller" });
      }
    }
  }
}
