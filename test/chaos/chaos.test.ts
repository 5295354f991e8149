/**
 * The seeded slice of `npm run chaos` that `npm test` runs (seeds 1..25, five per scenario on
 * average), and the checks themselves failing on what they exist to catch.
 */
import { describe, expect, it } from "vitest";
import type { Execution, ExecutionEvent, StoredExecution } from "@capstan/core";
import { checkLogs, checkOnePodPerAttempt, checkRecord, type PodSighting } from "./checks.ts";
import { planFaults } from "./faults.ts";
import { Rng } from "./random.ts";
import { summarize } from "./report.ts";
import { runMany } from "./run.ts";
import type { ScenarioEnv } from "./scenario.ts";
import { ALL_SCENARIOS } from "./scenarios/index.ts";

describe("chaos slice", () => {
  it("25 seeded runs of the blueprints and the every-task flow under faults: 0 violations", { timeout: 240_000 }, async () => {
    const results = await runMany(Array.from({ length: 25 }, (_, i) => i + 1), ALL_SCENARIOS, { concurrency: 2 });
    const summary = summarize(results);
    const failures = summary.failures.map((f) => `seed ${f.seed} (${f.scenario}): ${f.violations.join("; ")}`);
    expect(failures).toEqual([]);
    // The slice really injects faults and checks logs.
    expect(Object.values(summary.faults).reduce((n, f) => n + f.fired, 0)).toBeGreaterThan(25);
    expect(summary.logLines).toBeGreaterThan(500);
    expect(new Set(results.map((r) => r.scenario)).size).toBe(ALL_SCENARIOS.length);
  });
});

describe("chaos checks catch what they are for", () => {
  const pod = (attempt: number, name = `p${attempt}`): PodSighting => ({ cluster: "main", namespace: "default", name, uid: name, stepPath: "job", attempt, execution: "e1" });
  const env = (printed: Record<string, string[]>) => ({ printed: new Map(Object.entries(printed)), logged: [{ container: "main", prefix: "[main] " }] }) as unknown as ScenarioEnv;
  const base = { executionId: "e1", time: 0 };
  const started = (attempt: number) => ({ ...base, type: "step.started", path: "job", stepId: "job", kind: "step", attempt }) as ExecutionEvent;
  const log = (message: string) => ({ ...base, type: "log", path: "job", stepId: "job", level: "info", message }) as ExecutionEvent;

  it("a duplicated, reordered or missing line is a violation; a disrupted pod may end early", () => {
    const printed = { "p1/main": ["a", "b", "c"] };
    const ok = checkLogs([started(1), log("[main] a"), log("deleted pod p1"), log("[main] b"), log("[main] c")], env(printed), [pod(1)], new Set());
    expect(ok).toEqual({ violations: [], lines: 3 });
    expect(checkLogs([started(1), log("[main] a"), log("[main] b"), log("[main] b"), log("[main] c")], env(printed), [pod(1)], new Set()).violations).toEqual([
      'job attempt 1 (p1/main): log line 3 is "b", the container printed "c" (4 lines logged, 3 printed)',
    ]);
    expect(checkLogs([started(1), log("[main] b"), log("[main] a"), log("[main] c")], env(printed), [pod(1)], new Set()).violations).toHaveLength(1);
    expect(checkLogs([started(1), log("[main] a")], env(printed), [pod(1)], new Set()).violations).toEqual(['job attempt 1 (p1/main): 2 of 3 lines missing from the log (first: "b")']);
    expect(checkLogs([started(1), log("[main] a")], env(printed), [pod(1)], new Set(["main/default/p1"])).violations).toEqual([]);
    // Lines are attributed to their attempt.
    const two = { "p1/main": ["a"], "p2/main": ["a", "b"] };
    expect(checkLogs([started(1), log("[main] a"), started(2), log("[main] a"), log("[main] b")], env(two), [pod(1), pod(2)], new Set()).violations).toEqual([]);
    expect(checkLogs([started(1), log("[main] a"), log("[main] a"), started(2), log("[main] b")], env(two), [pod(1), pod(2)], new Set()).violations).toHaveLength(2);
  });

  it("two pods for one step attempt is a violation; one per attempt is not", () => {
    expect(checkOnePodPerAttempt([pod(1), pod(2)])).toEqual([]);
    expect(checkOnePodPerAttempt([pod(1, "a"), pod(1, "b")])).toEqual(["step job attempt 1 created 2 pods on main: a, b"]);
  });

  it("a record that disagrees with the execution is a violation", () => {
    const ex = { id: "e1", state: "SUCCESS", outputs: { a: 1 }, steps: { job: { state: "SUCCESS", attempts: 2 } } } as unknown as Execution;
    const stored = { state: "SUCCESS", torn: false, endedAt: 1, outputs: { a: 1 }, steps: { job: { state: "SUCCESS", attempts: 2 } } } as unknown as StoredExecution;
    const finished = { ...base, type: "execution.finished" } as unknown as ExecutionEvent;
    expect(checkRecord(ex, stored, [started(1), started(2), finished])).toEqual([]);
    expect(checkRecord(ex, { ...stored, state: "RUNNING", endedAt: undefined } as unknown as StoredExecution, [started(1), started(2)])).toEqual([
      "record: state RUNNING, the execution ended SUCCESS",
      "record: no end time",
      "record: not exactly one execution.finished",
    ]);
    expect(checkRecord(ex, { ...stored, steps: { job: { state: "SUCCESS", attempts: 1 } } } as unknown as StoredExecution, [started(1), started(1), finished])).toEqual([
      "record: step job has 1 attempts, the execution says 2",
      "record: step job attempt 1 started twice",
    ]);
  });

  it("a seed always plans the same faults", () => {
    const env = { clusters: { a: {}, b: {} } } as unknown as ScenarioEnv;
    const classes = ["throttle", "reset", "restart", "eviction"] as const;
    expect(planFaults(new Rng(42), classes, env)).toEqual(planFaults(new Rng(42), classes, env));
    expect(planFaults(new Rng(42), classes, env)).not.toEqual(planFaults(new Rng(43), classes, env));
  });
});
