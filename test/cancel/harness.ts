/**
 * One case of the cancellation matrix: an emulated cluster of its own (so faults and programs
 * cannot leak between concurrent cases), a store home, and a real flow process (`tsx` through
 * `main()`, or `capstan run`) talking to the cluster through a kubeconfig file. `reached(phase)`
 * resolves once the pod is held in that phase, seen from the emulator and from the flow
 * process's own `step.phase` event.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ExecutionStore, type StoredExecution } from "@capstan/core";
import { mockCluster, type MockCluster } from "@capstan/testing";
import type { Phase } from "./fixtures/pod-phase.js";

export const root = resolve(import.meta.dirname, "../..");
const flowFile = join(import.meta.dirname, "fixtures", "pod-phase.ts");
const capstan = join(root, "packages/cli/bin/capstan.js");
/** The step timeout of the `timed` flow: long enough for every phase to be reached first on a loaded machine. */
export const STEP_TIMEOUT_MS = 5000;
/** How long the faults hold a file transfer's exec: longer than a case waits for it. */
const HOLD_EXEC_MS = 30_000;

type PodStatus = { conditions?: { type: string; status: string; reason?: string }[] };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class Case {
  readonly dir = mkdtempSync(join(tmpdir(), "capstan-cancel-"));
  readonly store = new ExecutionStore({ dir: join(this.dir, "home") });
  cluster!: MockCluster;
  child: ChildProcess | undefined;
  exited!: Promise<Exit>;
  #stdout = "";
  #started = new Set<string>();
  #waiters: (() => void)[] = [];
  #holds: { fired: number; remove(): void }[] = [];

  constructor(readonly phase: Phase) {}

  async start(how: "sigint" | "timeout"): Promise<void> {
    this.cluster = await mockCluster();
    // Runs until the kubelet stops it (the pod is deleted).
    this.cluster.programs.register("capstan-test/hold:*", async (ctx) => {
      ctx.stdout.write(`holding ${ctx.containerName}\n`);
      this.#started.add(ctx.containerName);
      this.#changed();
      await new Promise<void>((done) => (ctx.signal.aborted ? done() : ctx.signal.addEventListener("abort", () => done(), { once: true })));
      return 0;
    });
    this.cluster.programs.register("capstan-test/quick:*", (ctx) => {
      if (ctx.env.CAPSTAN_WORKING_DIR) ctx.fs.writeFile(`${ctx.env.CAPSTAN_WORKING_DIR}/result.txt`, "done\n");
      return 0;
    });
    // The transfer into podCreate's init container (input files) or out of its file container
    // (output files) is an exec: held at the apiserver, it keeps the step in that phase.
    if (this.phase === "input-files" || this.phase === "output-files") {
      this.#holds.push(this.cluster.faults.add({ match: { resource: "pods", subresource: "exec" }, action: { type: "delay", ms: HOLD_EXEC_MS } }));
    }
    const kubeconfig = join(this.dir, "kubeconfig");
    await this.cluster.writeKubeconfig(kubeconfig);
    const services = join(this.dir, "services.json");
    writeFileSync(services, JSON.stringify({ kubernetes: { default: { file: kubeconfig } } }));
    const args = ["--input", `phase=${this.phase}`, "--services", services, "-o", "json"];
    const argv = how === "sigint" ? ["--import", "tsx", flowFile, ...args] : [capstan, "run", flowFile, "--flow", "timed", ...args];
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, CI: "1", CAPSTAN_HOME: this.store.home, CAPSTAN_STORAGE_DIR: join(this.dir, "storage"), CANCEL_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      this.#stdout += d;
      this.#changed();
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    this.exited = new Promise<Exit>((res, rej) => {
      child.on("error", rej);
      child.on("close", (code, signal) => {
        this.#changed();
        res({ code, signal, stdout: this.#stdout, stderr });
      });
    });
  }

  /** The events the flow process printed so far (`-o json`: one per line; a partial last line waits). */
  events(): { type: string; [k: string]: unknown }[] {
    return this.#stdout
      .slice(0, this.#stdout.lastIndexOf("\n") + 1)
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { type: string });
  }

  get executionId(): string {
    const started = this.events().find((e) => e.type === "execution.started");
    if (!started) throw new Error(`no execution.started event in:\n${this.#stdout}`);
    return started.executionId as string;
  }

  /** Resolves once the emulator holds the pod in the case's phase and the step says it is in it. */
  async reached(withinMs = 60_000): Promise<void> {
    await this.#until(() => this.#held() && this.#stepPhase() === this.phase, withinMs, () => `phase ${this.phase} (step says ${this.#stepPhase() ?? "nothing"})`);
  }

  /** What the emulator shows for the case's phase. */
  #held(): boolean {
    switch (this.phase) {
      case "scheduling":
        return this.pods().some((p) => (p.status as PodStatus | undefined)?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable"));
      case "init":
        return this.#started.has("prepare");
      case "running":
        return this.#started.has("main");
      case "input-files":
      case "output-files":
        return this.#holds.some((h) => h.fired > 0);
    }
  }

  /** The last phase the step reported (`step.phase` events). */
  #stepPhase(): string | undefined {
    return this.events().filter((e) => e.type === "step.phase").at(-1)?.phase as string | undefined;
  }

  /** The step's pod, as its checkpoint names it. */
  podName(): string {
    const checkpoint = this.events().find((e) => e.type === "step.checkpoint" && e.path === "job") as { data?: { pod?: { name?: string } } } | undefined;
    const name = checkpoint?.data?.pod?.name;
    if (!name) throw new Error("the step recorded no pod");
    return name;
  }

  /** How long after the step started it reported the case's phase. */
  phaseAfterMs(): number {
    const time = (e: { [k: string]: unknown } | undefined) => Date.parse(String(e?.time));
    const events = this.events();
    return time(events.find((e) => e.type === "step.phase" && e.phase === this.phase)) - time(events.find((e) => e.type === "step.started" && e.path === "job"));
  }

  pods() {
    return this.cluster.list("v1", "Pod", "default");
  }

  /** Names of the pods a DELETE was received for. */
  deletes(): string[] {
    return this.cluster.requests.filter((r) => r.method === "DELETE" && r.resource === "pods").map((r) => r.name ?? "");
  }

  /** Names of the pods created. */
  creates(): string[] {
    return this.cluster.requests.filter((r) => r.method === "POST" && r.resource === "pods" && r.subresource === undefined).map((r) => r.name ?? "");
  }

  async noPodsLeft(withinMs = 10_000): Promise<void> {
    await this.#until(() => this.pods().length === 0, withinMs, () => `no pods, but: ${this.pods().map((p) => p.metadata.name).join(", ")}`);
  }

  record(): Promise<StoredExecution> {
    return this.store.get(this.executionId);
  }

  async close(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    for (const h of this.#holds) h.remove();
    await this.cluster?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #changed(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits for `cond`, re-checked on every change the case sees and every 20ms (emulator state changes silently). */
  async #until(cond: () => boolean, withinMs: number, what: () => string): Promise<void> {
    const until = Date.now() + withinMs;
    while (!cond()) {
      if (this.child && (this.child.exitCode !== null || this.child.signalCode !== null)) throw new Error(`the flow process exited before ${what()}:\n${this.#stdout}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what()}:\n${this.#stdout}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 20);
        this.#waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }
}
