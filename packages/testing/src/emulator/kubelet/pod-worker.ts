/**
 * One pod on the simulated kubelet: pulls images, runs init containers in order (sidecars keep running),
 * runs app containers with restart policy and back-off, manages readiness, writes status and events,
 * and on deletion sends SIGTERM, waits the grace period, kills, then removes the pod.
 */

import { randomBytes } from "node:crypto";
import type { ObjectStore } from "../store/types.js";
import type { Clock, ContainerProgramRegistry, RuntimeTiming } from "./types.js";
import type { Container, Pod } from "../controllers/k8s-types.js";
import type { EventRecorder } from "../controllers/events.js";
import type { PullResult } from "./image-pull.js";
import { PODS } from "../controllers/refs.js";
import { controllerOf } from "../controllers/objects.js";
import { rfc3339 } from "./clock.js";
import { delay, scaledMs } from "./timing.js";
import { LogBuffer } from "./logs.js";
import { computeStatus, type ContainerRecord, type PodView } from "./pod-status.js";
import { buildEnv, ContainerConfigError, expandArgs } from "./env.js";
import { containerFs, VolumeStore, createPodVolumes } from "./volumes.js";
import { makeContext, runProgram } from "./context.js";
import { mainProgram } from "./defaults.js";
import { statusCodeOf } from "./errors.js";
import type { MemFs } from "./fs.js";
import { runHook, runLiveness, runReadiness } from "./probes.js";
import { pullImage } from "./image-pull.js";
import { Pipe } from "../shell/pipe.js";

export type { PullResult } from "./image-pull.js";

export interface WorkerHost {
  store: ObjectStore;
  clock: Clock;
  timing: RuntimeTiming;
  events: EventRecorder;
  programs: ContainerProgramRegistry;
  volumes: VolumeStore;
  nodeName: string;
  hostIP: string;
  podIP: string;
  pull(image: string, policy: string): PullResult;
  onFinished(worker: PodWorker): void;
}

const LONG_RUNNING_OWNERS = new Set(["ReplicaSet", "StatefulSet", "DaemonSet"]);

export class PodWorker implements PodView {
  pod: Pod;
  readonly containers: ContainerRecord[];
  initialized = false;
  sandboxReady = false;
  terminal?: "Succeeded" | "Failed";
  reason?: string;
  message?: string;
  readonly hostIP: string;
  readonly podIP: string;
  readonly startTime: string;
  readonly host: WorkerHost;
  terminating = false;
  /** Hard-stopped (pod gone or node lost): no more writes. */
  stopped = false;
  readonly #lifecycle = new AbortController();
  #volumes: Map<string, MemFs>;
  #flushScheduled = false;
  #mainDone = false;

  constructor(host: WorkerHost, pod: Pod) {
    this.host = host;
    this.pod = pod;
    this.hostIP = host.hostIP;
    this.podIP = host.podIP;
    this.startTime = rfc3339(host.clock.now());
    const inits = (pod.spec.initContainers ?? []).map((c): ContainerRecord => this.#record(c, c.restartPolicy === "Always" ? "sidecar" : "init"));
    const apps = pod.spec.containers.map((c): ContainerRecord => this.#record(c, "app"));
    this.containers = [...inits, ...apps];
    this.#volumes = createPodVolumes(host.store, host.volumes, pod);
  }

  #record(spec: Container, kind: ContainerRecord["kind"]): ContainerRecord {
    const hasInit = (this.pod.spec.initContainers ?? []).length > 0;
    const reason = kind !== "app" || hasInit ? "PodInitializing" : "ContainerCreating";
    return { spec, kind, state: { waiting: { reason } }, lastState: {}, restartCount: 0, ready: false, started: false };
  }

  get namespace(): string {
    return this.pod.metadata.namespace ?? "default";
  }
  get name(): string {
    return this.pod.metadata.name ?? "";
  }
  get uid(): string {
    return this.pod.metadata.uid ?? "";
  }

  start(): void {
    void this.#run().catch(() => {
      // A failed write after the pod vanished is expected; nothing else throws here.
    });
    const deadline = this.pod.spec.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const timer = setTimeout(() => void this.#deadlineExceeded(), scaledMs(this.host.timing, deadline));
      this.#lifecycle.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
    }
  }

  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.terminating) {
      void this.terminate(pod.metadata.deletionGracePeriodSeconds ?? 30);
      return;
    }
    // Image updates (the only mutable container field that matters here) restart that container.
    for (const c of this.containers) {
      const next = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((s) => s.name === c.spec.name);
      if (!next || next.image === c.spec.image) continue;
      c.spec = next;
      if (c.kind === "init" || !c.abort) continue;
      c.restartRequested = true;
      this.#event("Normal", "Killing", `Container ${c.spec.name} definition changed, will be restarted`, c);
      c.abort.abort(Object.assign(new Error("SIGTERM"), { name: "AbortError" }));
    }
  }

  /** activeDeadlineSeconds: stop everything and fail the pod. */
  async #deadlineExceeded(): Promise<void> {
    if (this.terminating || this.terminal || this.stopped) return;
    this.#mainDone = true;
    this.terminal = "Failed";
    this.reason = "DeadlineExceeded";
    this.message = "Pod was active on the node longer than the specified deadline";
    this.#event("Normal", "DeadlineExceeded", this.message);
    this.#lifecycle.abort();
    await this.#stopContainers(this.containers, scaledMs(this.host.timing, this.pod.spec.terminationGracePeriodSeconds ?? 30));
    for (const c of this.containers) {
      if (c.state.waiting) c.state = { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located when the pod was terminated" } };
    }
    this.flush();
  }

  /** Pod gone from the store or node lost: stop everything without writing. */
  kill(): void {
    this.stopped = true;
    this.terminating = true;
    this.#lifecycle.abort();
    for (const c of this.containers) {
      c.abort?.abort();
      c.kill?.();
      c.logs?.close();
    }
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  async #run(): Promise<void> {
    this.flush();
    const inits = this.containers.filter((c) => c.kind !== "app");
    const apps = this.containers.filter((c) => c.kind === "app");
    await this.#sleep(this.host.timing.schedule);
    this.sandboxReady = true;
    for (const c of inits) {
      if (this.terminating) return;
      if (c.kind === "sidecar") {
        c.loop = this.#loop(c);
        while (!c.started && !this.terminating) await this.#sleep(1);
        continue;
      }
      if (!(await this.#runInit(c))) return;
    }
    if (this.terminating) return;
    this.initialized = true;
    for (const c of apps) c.state = { waiting: { reason: "ContainerCreating" } };
    this.flush();
    for (const c of apps) c.loop = this.#loop(c);
    await Promise.all(apps.map((c) => c.loop));
    if (this.terminating || this.terminal) return;
    // Every app container finished for good: stop sidecars, then the pod is terminal.
    this.#mainDone = true;
    await this.#stopContainers(inits.filter((c) => c.kind === "sidecar"), scaledMs(this.host.timing, this.pod.spec.terminationGracePeriodSeconds ?? 30));
    this.terminal = apps.every((c) => c.state.terminated?.exitCode === 0) ? "Succeeded" : "Failed";
    this.flush();
  }

  /** Runs a regular init container to success; false when the pod failed or is terminating. */
  async #runInit(c: ContainerRecord): Promise<boolean> {
    for (;;) {
      const code = await this.#runOnce(c);
      if (code === undefined || this.terminating) return false;
      if (code === 0) return true;
      if ((this.pod.spec.restartPolicy ?? "Always") === "Never") {
        this.terminal = "Failed";
        for (const other of this.containers) {
          if (other !== c && other.kind === "app") other.state = { waiting: { reason: "PodInitializing" } };
        }
        this.flush();
        return false;
      }
      if (!(await this.#backoff(c))) return false;
    }
  }

  async #loop(c: ContainerRecord): Promise<void> {
    for (;;) {
      const code = await this.#runOnce(c);
      if (code === undefined || this.terminating || this.terminal) return;
      if (c.restartRequested) {
        c.restartRequested = false;
        c.restartCount++;
        continue;
      }
      if (!this.#shouldRestart(c, code)) return;
      if (!(await this.#backoff(c))) return;
    }
  }

  #shouldRestart(c: ContainerRecord, code: number): boolean {
    if (c.kind === "sidecar") return !this.#mainDone;
    const policy = this.pod.spec.restartPolicy ?? "Always";
    return policy === "Always" || (policy === "OnFailure" && code !== 0);
  }

  async #backoff(c: ContainerRecord): Promise<boolean> {
    const t = this.host.timing;
    const wait = Math.min(t.restartBackoff * 2 ** c.restartCount, t.restartBackoff * 30);
    c.restartCount++;
    if (c.state.terminated) c.lastState = { terminated: c.state.terminated };
    const secs = Math.round(Math.min(10 * 2 ** (c.restartCount - 1), 300));
    c.state = { waiting: { reason: "CrashLoopBackOff", message: `back-off ${secs < 60 ? `${secs}s` : `${Math.floor(secs / 60)}m${secs % 60}s`} restarting failed container=${c.spec.name} pod=${this.name}_${this.namespace}(${this.uid})` } };
    this.#event("Warning", "BackOff", `Back-off restarting failed container ${c.spec.name} in pod ${this.name}_${this.namespace}(${this.uid})`, c);
    this.flush();
    return this.#sleep(wait);
  }

  /** Pull, configure, create and run one instance; undefined if interrupted before it started. */
  async #runOnce(c: ContainerRecord): Promise<number | undefined> {
    const pulled = await pullImage(c, {
      pull: (image, policy) => this.host.pull(image, policy),
      timing: this.host.timing,
      terminating: () => this.terminating,
      sleep: (ms) => this.#sleep(ms),
      event: (type, reason, message) => this.#event(type, reason, message, c),
      flush: () => this.flush(),
    });
    if (!pulled) return undefined;
    let env: Record<string, string>;
    for (;;) {
      try {
        env = buildEnv(this.host.store, { ...this.pod, status: { ...(this.pod.status ?? {}), podIP: this.podIP, hostIP: this.hostIP } }, c.spec);
        break;
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err;
        c.state = { waiting: { reason: "CreateContainerConfigError", message: err.message } };
        this.#event("Warning", "Failed", `Error: ${err.message}`, c);
        this.flush();
        if (!(await this.#sleep(this.host.timing.restartBackoff))) return undefined;
      }
    }
    if (!(await this.#sleep(this.host.timing.containerStart))) return undefined;
    const now = (): string => rfc3339(this.host.clock.now());
    c.containerID = `containerd://${randomBytes(32).toString("hex")}`;
    if (c.logs) c.previousLogs = c.logs;
    const logs = new LogBuffer(() => this.host.clock.now());
    c.logs = logs;
    c.fs = containerFs(this.pod, c.spec, this.#volumes);
    c.env = env;
    if (c.state.terminated) c.lastState = { terminated: c.state.terminated };
    this.#event("Normal", "Created", `Created container: ${c.spec.name}`, c);
    this.#event("Normal", "Started", `Started container ${c.spec.name}`, c);
    const startedAt = now();
    c.state = { running: { startedAt } };
    c.started = true;
    c.ready = false;
    this.flush();

    const abort = new AbortController();
    c.abort = abort;
    let killed!: (code: number) => void;
    const killedP = new Promise<number>((resolve) => (killed = resolve));
    c.kill = () => killed(137);
    let overridden = false;
    const setReady = (ready: boolean): void => {
      if (abort.signal.aborted || c.ready === ready) return;
      c.ready = ready;
      this.flush();
    };
    c.stdin = c.spec.stdin ? new Pipe() : undefined;
    const ctx = makeContext({
      ...(c.stdin ? { stdin: c.stdin } : {}),
      pod: this.pod,
      containerName: c.spec.name,
      image: c.spec.image ?? "",
      command: expandArgs(c.spec.command ?? [], env),
      args: expandArgs(c.spec.args ?? [], env),
      env,
      fs: c.fs,
      stdout: { write: (chunk) => logs.write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")) },
      stderr: { write: (chunk) => logs.write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")) },
      signal: abort.signal,
      restartCount: c.restartCount,
      isExec: false,
      timing: this.host.timing,
      now: () => this.host.clock.now(),
      setReady: (ready) => {
        overridden = true;
        setReady(ready);
      },
    });
    if (c.kind !== "init") void runReadiness(c, this.host.timing, abort.signal, () => overridden, setReady);
    void runLiveness(c, this.host.timing, abort.signal, () => {
      this.#event("Warning", "Unhealthy", "Liveness probe failed: command exited with a non-zero status", c);
      this.#event("Normal", "Killing", `Container ${c.spec.name} failed liveness probe, will be restarted`, c);
      c.kill?.();
    });
    const postStart = c.spec.lifecycle?.postStart;
    if (postStart) {
      void runHook(postStart, c, this.host.timing).then((ok) => {
        if (ok || abort.signal.aborted) return;
        // A failed postStart hook kills the container, which then follows its restart policy.
        this.#event("Warning", "FailedPostStartHook", "PostStartHook failed", c);
        c.kill?.();
      });
    }
    const argv = [...ctx.command, ...ctx.args];
    const owner = controllerOf(this.pod)?.kind;
    const longRunning = c.kind === "sidecar" || (this.pod.spec.restartPolicy ?? "Always") === "Always" || (owner !== undefined && LONG_RUNNING_OWNERS.has(owner));
    const program = mainProgram(this.host.programs, c.spec.image ?? "", argv, longRunning && c.kind !== "init", this.host.timing);
    const code = await Promise.race([runProgram(program, ctx), killedP]);
    abort.abort();
    logs.close();
    c.stdin?.close();
    c.ready = false;
    c.abort = undefined;
    c.kill = undefined;
    c.state = { terminated: { exitCode: code, reason: code === 0 ? "Completed" : "Error", startedAt, finishedAt: now(), containerID: c.containerID } };
    this.flush();
    return code;
  }

  /** Real-time wait that ends early (returning false) when the pod starts terminating. */
  async #sleep(ms: number): Promise<boolean> {
    try {
      await delay(ms, this.#lifecycle.signal);
      return !this.terminating;
    } catch {
      return false;
    }
  }

  // ---- termination -------------------------------------------------------------------------

  async terminate(graceSeconds: number): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    this.#lifecycle.abort();
    const graceMs = scaledMs(this.host.timing, Math.max(0, graceSeconds));
    const apps = this.containers.filter((c) => c.kind === "app");
    const sidecars = this.containers.filter((c) => c.kind !== "app");
    const started = Date.now();
    await this.#stopContainers(apps, graceMs);
    await this.#stopContainers(sidecars, Math.max(0, graceMs - (Date.now() - started)));
    for (const c of this.containers) {
      if (c.state.waiting) c.state = { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located when the pod was terminated" } };
    }
    if (this.stopped) return;
    if (!this.terminal) {
      const ran = this.containers.filter((c) => c.kind === "app");
      this.terminal = ran.every((c) => c.state.terminated?.exitCode === 0) ? "Succeeded" : "Failed";
    }
    this.writeNow();
    try {
      this.host.store.delete(PODS, this.namespace, this.name, { gracePeriodSeconds: 0 });
    } catch (err) {
      if (statusCodeOf(err) !== 404) throw err;
    }
  }

  /** SIGTERM, wait up to `graceMs`, then kill. */
  async #stopContainers(list: ContainerRecord[], graceMs: number): Promise<void> {
    const running = list.filter((c) => c.abort);
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs));
    // preStop hooks run first and eat into the grace period; then SIGTERM.
    await Promise.all(
      running.map(async (c) => {
        this.#event("Normal", "Killing", `Stopping container ${c.spec.name}`, c);
        const preStop = c.spec.lifecycle?.preStop;
        if (preStop) {
          const ok = await Promise.race([runHook(preStop, c, this.host.timing), timer.then(() => true)]);
          if (!ok) this.#event("Warning", "FailedPreStopHook", `PreStopHook failed`, c);
        }
        c.abort?.abort(Object.assign(new Error("SIGTERM"), { name: "AbortError" }));
      }),
    );
    const loops = list.map((c) => c.loop ?? Promise.resolve());
    const done = await Promise.race([Promise.all(loops).then(() => "done" as const), timer]);
    if (done === "timeout") {
      for (const c of list) c.kill?.();
      await Promise.all(loops);
    }
  }

  // ---- status and events -------------------------------------------------------------------

  /** Coalesces status writes into one per tick. */
  flush(): void {
    if (this.#flushScheduled || this.stopped) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.writeNow();
    });
  }

  writeNow(): void {
    if (this.stopped) return;
    try {
      const now = rfc3339(this.host.clock.now());
      const updated = this.host.store.mutate(PODS, this.namespace, this.name, (draft) => {
        if (draft.metadata.uid !== this.uid) return;
        draft["status"] = computeStatus(this, (draft as Pod).status, now);
      }, { subresource: "status" });
      if (!updated || updated.metadata.uid !== this.uid) this.kill();
    } catch (err) {
      if (statusCodeOf(err) === 404) this.kill();
      else setTimeout(() => this.flush(), 2);
    }
  }

  #event(type: "Normal" | "Warning", reason: string, message: string, c?: ContainerRecord): void {
    if (this.stopped) return;
    const list = c?.kind === "app" ? "containers" : "initContainers";
    const fieldPath = c ? `spec.${list}{${c.spec.name}}` : undefined;
    this.host.events.record(this.pod, type, reason, message, { component: "kubelet", host: this.host.nodeName }, fieldPath);
  }
}
