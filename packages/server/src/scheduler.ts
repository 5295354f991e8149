/**
 * Cron schedules. croner computes the times (five or six fields, time zones, DST); the clock
 * decides when "now" is, so tests move it by hand. The last time each schedule fired is kept in
 * `<store home>/schedules.json`, so a restarted server knows what it missed and applies the
 * schedule's catch-up policy (all, last, none). Overlap: `skip` drops a run while the previous
 * one of the same schedule still runs, `queue` starts it after, `allow` runs both.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Cron } from "croner";
import { CapstanError, type ScheduleTrigger } from "@capstan/core";
import type { Clock } from "./clock.js";
import type { LoadedFlow } from "./load.js";

export interface ScheduleEntry {
  readonly entry: LoadedFlow;
  readonly trigger: ScheduleTrigger;
}

/** Starts one scheduled run; `done` settles when that execution is over. */
export type FireFn = (s: ScheduleEntry, scheduledAt: Date, catchUp: boolean) => Promise<{ done: Promise<unknown> } | undefined>;

export interface SchedulerOptions {
  clock: Clock;
  /** Where last fire times are kept. */
  statePath: string;
  fire: FireFn;
  log?: (line: string) => void;
  /** Most missed runs `catchUp: "all"` starts for one schedule. Default 1000. */
  maxCatchUp?: number;
}

/** Longest a single timer waits; longer delays are re-armed (setTimeout caps at ~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function cronFor(t: ScheduleTrigger, flowId: string): Cron {
  try {
    return new Cron(t.cron, { ...(t.timezone ? { timezone: t.timezone } : {}), paused: true });
  } catch (e) {
    throw new CapstanError("CAPSTAN_FLOW_INVALID", `flow "${flowId}": schedule cron "${t.cron}" is not valid: ${(e as Error).message}`, {
      hint: 'five fields ("0 3 * * 1") or six with seconds first ("*/30 * * * * *")',
      retryable: false,
    });
  }
}

class Job {
  readonly cron: Cron;
  readonly key: string;
  timer: unknown;
  /** Executions this schedule started that are still going. */
  readonly active = new Set<Promise<unknown>>();
  /** Tail of the queue for overlap "queue" and catch-up runs. */
  chain: Promise<unknown> = Promise.resolve();

  constructor(readonly s: ScheduleEntry) {
    this.cron = cronFor(s.trigger, s.entry.flow.id);
    this.key = `${s.entry.flow.id}|${s.trigger.cron}|${s.trigger.timezone ?? ""}`;
  }
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #jobs: Job[];
  #state: Record<string, { lastScheduledAt: string }>;
  #stopped = false;

  constructor(schedules: readonly ScheduleEntry[], options: SchedulerOptions) {
    this.#o = options;
    this.#jobs = schedules.map((s) => new Job(s));
    this.#state = readState(options.statePath);
  }

  /** Applies each schedule's catch-up policy, then arms its next run. */
  start(): void {
    const now = this.#o.clock.now();
    for (const job of this.#jobs) {
      const last = this.#state[job.key]?.lastScheduledAt;
      if (last) this.#catchUp(job, new Date(last), now);
      this.#mark(job, new Date(now));
      this.#arm(job);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const job of this.#jobs) this.#o.clock.clearTimer(job.timer);
  }

  /** When each schedule fires next (for the startup banner and tests). */
  next(): { flowId: string; cron: string; at: Date | null }[] {
    const now = new Date(this.#o.clock.now());
    return this.#jobs.map((j) => ({ flowId: j.s.entry.flow.id, cron: j.s.trigger.cron, at: j.cron.nextRun(now) }));
  }

  #catchUp(job: Job, last: Date, now: number): void {
    const max = this.#o.maxCatchUp ?? 1000;
    const missed: Date[] = [];
    let dropped = 0;
    for (let t = job.cron.nextRun(last); t && t.getTime() <= now; t = job.cron.nextRun(t)) {
      if (missed.length === max) {
        missed.shift();
        dropped++;
      }
      missed.push(t);
    }
    if (!missed.length) return;
    const policy = job.s.trigger.catchUp;
    const flowId = job.s.entry.flow.id;
    if (policy === "none") {
      this.#o.log?.(`${flowId}: ${missed.length + dropped} scheduled run(s) missed while stopped; catchUp "none" skips them`);
      return;
    }
    const runs = policy === "last" ? missed.slice(-1) : missed;
    this.#o.log?.(`${flowId}: catching up ${runs.length} missed scheduled run(s)${dropped ? ` (${dropped} older ones dropped)` : ""}`);
    // Missed runs go one after another (unless overlap is allowed): they would all be due at once.
    for (const at of runs) this.#run(job, at, true, job.s.trigger.overlap === "allow" ? "allow" : "queue");
  }

  #arm(job: Job): void {
    if (this.#stopped) return;
    const now = this.#o.clock.now();
    const next = job.cron.nextRun(new Date(now));
    if (!next) return;
    const wait = next.getTime() - now;
    job.timer = this.#o.clock.setTimer(() => {
      if (this.#stopped) return;
      if (this.#o.clock.now() < next.getTime()) return this.#arm(job); // a capped long wait
      this.#mark(job, next);
      this.#run(job, next, false, job.s.trigger.overlap);
      this.#arm(job);
    }, Math.min(wait, MAX_TIMER_MS));
  }

  #run(job: Job, at: Date, catchUp: boolean, overlap: "skip" | "queue" | "allow"): void {
    const flowId = job.s.entry.flow.id;
    const launch = async () => {
      if (this.#stopped) return;
      try {
        const started = await this.#o.fire(job.s, at, catchUp);
        if (!started) return;
        const done = started.done;
        job.active.add(done);
        void done.finally(() => job.active.delete(done));
        return done;
      } catch (e) {
        this.#o.log?.(`${flowId}: scheduled run at ${at.toISOString()} did not start: ${(e as Error).message}`);
        return undefined;
      }
    };
    if (overlap === "skip" && job.active.size > 0) {
      this.#o.log?.(`${flowId}: skipped the run scheduled at ${at.toISOString()}: the previous one is still running (overlap "skip")`);
      return;
    }
    if (overlap === "queue") {
      // Waits for whatever this schedule already has running, then for this run itself.
      const before = [...job.active];
      job.chain = job.chain.then(() => Promise.allSettled(before)).then(launch).then((done) => done);
      return;
    }
    void launch();
  }

  #mark(job: Job, at: Date): void {
    this.#state[job.key] = { lastScheduledAt: at.toISOString() };
    writeState(this.#o.statePath, this.#state);
  }
}

function readState(path: string): Record<string, { lastScheduledAt: string }> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, { lastScheduledAt: string }>;
  } catch {
    return {};
  }
}

/** Write-then-rename: a crash leaves the old state or the new one, never half of one. */
function writeState(path: string, state: object): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, path);
}
