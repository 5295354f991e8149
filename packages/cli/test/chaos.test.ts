/**
 * Kill at seeded random points, 50 times: each run of fixtures/chaos.ts is SIGKILLed either by
 * itself at a chosen step and phase, or from outside after a random delay, four at a time into one
 * store. Every record must be readable, and resuming it must reach the same outputs as an
 * uninterrupted run without running again any step the record shows finished.
 *
 * To keep 50 process starts fast, the fixture is bundled once with esbuild (what tsx uses) into
 * one plain-JavaScript file; the processes run the real engine and store code from that bundle.
 */
import { spawn } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { ExecutionStore } from "@capstan/core";
import { seededRandom } from "@capstan/testing";
import { chaos, killable } from "./fixtures/chaos.js";
import { fixture, tempDir } from "./helpers.js";

const RUNS = 50;
const EXPECTED = 38;

let bundle: string;
beforeAll(async () => {
  bundle = join(tempDir("capstan-chaos-bundle-"), "chaos.mjs");
  await build({
    entryPoints: [fixture("chaos.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile: bundle,
    logLevel: "error",
    // CommonJS dependencies inside an ESM bundle need a require.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}, 60_000);

interface Plan {
  readonly run: number;
  readonly killAt?: string;
  readonly delayMs?: number;
}

function plans(seed: number): Plan[] {
  const rnd = seededRandom(seed); // seeded, so a failing kill point can be replayed
  return Array.from({ length: RUNS }, (_, run) =>
    rnd() < 0.6
      ? { run, killAt: `${killable[Math.floor(rnd() * killable.length)]}:${rnd() < 0.5 ? "before" : "after"}` }
      : { run, delayMs: Math.floor(rnd() * 40) },
  );
}

function runUntilKilled(plan: Plan, home: string, dir: string): Promise<{ id: string | undefined; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, "--input", `dir=${dir}`, "--input", `killAt=${plan.killAt ?? ""}`, "-o", "json"], {
      env: { ...process.env, CAPSTAN_HOME: home },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      if (plan.delayMs !== undefined && !timer) timer = setTimeout(() => child.kill("SIGKILL"), plan.delayMs);
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      const first = out.split("\n")[0];
      resolve({ id: first ? (JSON.parse(first) as { executionId: string }).executionId : undefined, killed: signal === "SIGKILL" });
    });
  });
}

async function pool<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

describe("kill -9 at random points", { timeout: 120_000 }, () => {
  it(`${RUNS} seeded kills: every record is readable and resumes to the right outputs without re-running finished steps`, async () => {
    const seed = Number(process.env.CAPSTAN_CHAOS_SEED ?? 20251127);
    // One store for all runs: concurrent processes record side by side in one directory.
    const home = tempDir("capstan-chaos-");
    const store = new ExecutionStore({ dir: home });
    const results = await pool(plans(seed), 4, async (plan) => {
      const dir = tempDir("capstan-chaos-fx-");
      const { id, killed } = await runUntilKilled(plan, home, dir);
      const where = `seed ${seed}, run ${plan.run} (${plan.killAt ?? `${plan.delayMs}ms`})`;
      // Killed before its first event reached stdout: its record, if any, is checked below.
      if (!id) return "early";
      const before = await store.get(id);
      expect(before.id, where).toBe(id);
      // Not killed, or killed after the end was recorded (while the process was exiting).
      if (!killed || before.state === "SUCCESS") {
        expect(before.state, where).toBe("SUCCESS");
        expect(before.steps.sum?.output, where).toBe(EXPECTED);
        return "finished";
      }
      expect(before.state, where).toBe("INTERRUPTED");
      const finished = new Set(Object.values(before.steps).filter((s) => s.state === "SUCCESS" && s.kind === "step").map((s) => s.path));
      const effectsBefore = existsSync(join(dir, "effects.log")) ? readFileSync(join(dir, "effects.log"), "utf8").split("\n").filter(Boolean).length : 0;

      // What `capstan resume` does, in this process: same id, recorded inputs, reused outputs.
      const rec = store.reopen(id);
      const inputs = { ...(before.inputs as object), killAt: "" };
      const ex = await chaos.run({ inputs: inputs as never, executionId: id, resume: await store.resumeState(id), onEvent: rec.onEvent });
      rec.complete(ex);
      expect(ex.state, where).toBe("SUCCESS");
      expect(ex.outputs?.sum, where).toBe(EXPECTED);
      const rerun = readFileSync(join(dir, "effects.log"), "utf8").split("\n").filter(Boolean).slice(effectsBefore);
      expect(rerun.filter((p) => finished.has(p)), `${where}: finished steps ran again`).toEqual([]);
      const after = await store.get(id);
      expect(after, where).toMatchObject({ state: "SUCCESS", runs: 2, outputs: { sum: EXPECTED } });
      return "resumed";
    });
    // The seed must exercise real interruptions, not only runs that finished first.
    expect(results.filter((r) => r === "resumed").length).toBeGreaterThanOrEqual(30);
    // Every record in the shared store reads back whole; only runs killed before their first
    // event reached stdout may be left interrupted.
    const all = await store.list();
    expect(all.length).toBeGreaterThanOrEqual(results.filter((r) => r !== "early").length);
    for (const s of all) expect((await store.get(s.id)).id).toBe(s.id);
    expect(all.filter((s) => s.state !== "SUCCESS").length).toBeLessThanOrEqual(results.filter((r) => r === "early").length);
  }, 120_000);
});
