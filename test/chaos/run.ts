/**
 * One chaos run: from its seed, a scenario, a fresh environment and a fault plan; the flow runs
 * through the real CLI path (`runCli`, recording to an execution store), then every invariant is
 * checked. `runMany` runs seeds with a few runs at a time.
 */
import { EventEmitter } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ExecutionStore, MemoryArtifactStore, runCli, type Execution } from "@capstan/core";
import { checkLogs, checkNoPodsLeft, checkOnePodPerAttempt, checkRecord, observePods } from "./checks.ts";
import { install, planFaults, type FaultClass } from "./faults.ts";
import { Rng } from "./random.ts";
import type { Scenario } from "./scenario.ts";

export interface RunResult {
  seed: number;
  scenario: string;
  state: string;
  durationMs: number;
  faults: { class: FaultClass; cluster: string; description: string; fired: number }[];
  /** Container log lines checked against what the containers printed. */
  logLines: number;
  pods: number;
  violations: string[];
}

/** Output kept for a failing run's report (the tail). */
class Tail extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text = (this.text + chunk.toString()).slice(-4000);
    done();
  }
}

export async function runOnce(seed: number, scenarios: readonly Scenario[], options: { timeoutMs?: number } = {}): Promise<RunResult> {
  const started = Date.now();
  const rng = new Rng(seed);
  const scenario = rng.pick(scenarios);
  const env = await scenario.start(rng);
  const observer = observePods(env);
  const plan = planFaults(rng, scenario.faults, env);
  const faults = install(plan, env, rng);
  const dir = await mkdtemp(join(tmpdir(), "capstan-chaos-"));
  const violations: string[] = [];
  let execution: Execution | undefined;
  let logLines = 0;
  const out = new Tail();
  try {
    const store = new ExecutionStore({ dir, sync: "none" });
    await writeFile(join(dir, "inputs.json"), JSON.stringify(env.inputs));
    const signals = new EventEmitter();
    const timeoutMs = options.timeoutMs ?? 90_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signals.emit("SIGINT");
    }, timeoutMs);
    const code = await runCli(env.flow, ["--inputs", join(dir, "inputs.json"), "--output", "plain"], { stdout: out, stderr: out, signals }, {
      services: env.services,
      secrets: env.secrets,
      storage: env.storage ?? new MemoryArtifactStore(),
      store,
      cancelGraceMs: 10_000,
      onExecution: (ex) => (execution = ex),
    }).finally(() => clearTimeout(timer));
    faults.stop();
    for (const c of Object.values(env.clusters)) c.faults.clear();
    if (timedOut) violations.push(`did not finish within ${timeoutMs / 1000}s`);
    if (!execution) {
      violations.push(`no execution (exit ${code}): ${out.text.slice(-500)}`);
    } else {
      const ex = execution;
      if (ex.state !== "SUCCESS") {
        violations.push(`execution ${ex.state}: ${ex.error?.code ?? ""} ${ex.error?.stepPath ?? ""}: ${ex.error?.message ?? ""}`.slice(0, 600));
        // Other steps' own errors (an allowed failure, a handled item) usually say why.
        for (const [path, step] of Object.entries(ex.steps)) {
          if (step.error && step.error.message !== ex.error?.message) violations.push(`step ${path} failed: ${step.error.code}: ${step.error.message}`.slice(0, 600));
        }
      }
      violations.push(...(await env.verify(ex, env)));
      const [stored, events] = await Promise.all([store.get(ex.id), store.events(ex.id)]);
      violations.push(...checkRecord(ex, stored, events));
      const logs = checkLogs(events, env, observer.pods, faults.disrupted);
      logLines = logs.lines;
      violations.push(...logs.violations);
    }
    violations.push(...checkOnePodPerAttempt(observer.pods));
    violations.push(...(await checkNoPodsLeft(env.clusters)));
  } catch (err) {
    violations.push(`harness error: ${(err as Error)?.stack ?? String(err)}`);
  } finally {
    faults.stop();
    observer.stop();
    await env.close();
    await rm(dir, { recursive: true, force: true });
  }
  const fired = faults.fired();
  return {
    seed,
    scenario: scenario.name,
    state: execution?.state ?? "NONE",
    durationMs: Date.now() - started,
    faults: plan.faults.map((f, i) => ({ class: f.class, cluster: f.cluster, description: f.description, fired: fired[i] ?? 0 })),
    logLines,
    pods: observer.pods.length,
    violations,
  };
}

/** Runs `seeds` with `concurrency` runs at a time; `onResult` sees each as it ends. */
export async function runMany(seeds: readonly number[], scenarios: readonly Scenario[], options: { concurrency?: number; timeoutMs?: number; onResult?: (r: RunResult) => void } = {}): Promise<RunResult[]> {
  const results: RunResult[] = new Array(seeds.length);
  let next = 0;
  const worker = async () => {
    while (next < seeds.length) {
      const i = next++;
      results[i] = await runOnce(seeds[i]!, scenarios, options);
      options.onResult?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return results;
}
