/**
 * Issue 8: SIGINT and a step timeout in each phase of podCreate, against real flow processes.
 * For every phase the pod is held there (see harness.ts), then either the flow process gets SIGINT
 * (`tsx flow.ts` through `main()`) or the step's timeout fires (`capstan run --flow timed`).
 * Asserted: the exit code, that the flow process sent a DELETE for the pod and none is left in
 * the emulator, and what the execution record says: state, why, the step's state and the phase
 * the step was in, and that the pod's deletion is in its log.
 *
 * The ten cases are started before the tests, each in its own process and cluster, at most
 * CONCURRENCY at a time (on two busy cores more processes only slow each other's start down).
 * Each test awaits and checks its own case. CANCEL_TIMINGS=1 prints how long each case took.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StoredExecution } from "@capstan/core";
import { Case, STEP_TIMEOUT_MS, type Exit } from "./harness.js";
import { PHASES, type Phase } from "./fixtures/pod-phase.js";

type How = "sigint" | "timeout";

interface Outcome {
  exit: Exit;
  pod: string;
  /** Pods a DELETE was received for. */
  deletes: string[];
  /** Pods still in the emulator once deletion had time to finish. */
  left: string[];
  record: StoredExecution;
}

async function run(phase: Phase, how: How): Promise<Outcome> {
  const c = new Case(phase);
  try {
    await c.start(how);
    await c.reached();
    const pod = c.podName();
    const held = Date.now();
    if (how === "sigint") c.child!.kill("SIGINT");
    const exit = await c.exited;
    if (process.env.CANCEL_TIMINGS) console.log(`${how} ${phase}: phase reached ${c.phaseAfterMs()}ms after the step started; exit ${Date.now() - held}ms after it was held`);
    await c.noPodsLeft().catch(() => {});
    return { exit, pod, deletes: c.deletes(), left: c.pods().map((p) => p.metadata.name!), record: await c.record() };
  } finally {
    await c.close();
  }
}

const CONCURRENCY = 5;
const outcomes = new Map<string, Promise<Outcome>>();
const outcome = (how: How, phase: Phase) => outcomes.get(`${how} ${phase}`)!;

beforeAll(() => {
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = () => (running < CONCURRENCY ? (running++, Promise.resolve()) : new Promise<void>((r) => queue.push(r)));
  const release = () => (queue.length ? queue.shift()!() : running--);
  // Timeouts first: their cases last longest (the step's timeout), SIGINT cases fill in after.
  for (const how of ["timeout", "sigint"] as const) {
    for (const phase of PHASES) {
      const p = slot().then(() => run(phase, how).finally(release));
      p.catch(() => {}); // reported by the case's test
      outcomes.set(`${how} ${phase}`, p);
    }
  }
});

describe("podCreate: SIGINT in each phase", { timeout: 150_000 }, () => {
  it.each(PHASES)("%s: exit 130, pod deleted, record CANCELLED by SIGINT in that phase", async (phase) => {
    const { exit, pod, deletes, left, record } = await outcome("sigint", phase);
    expect(exit.code, exit.stderr).toBe(130);
    expect(exit.stderr).toContain("cancelling");
    expect(deletes).toContain(pod);
    expect(left).toEqual([]);
    expect(record.state).toBe("CANCELLED");
    expect(record.error).toMatchObject({ code: "CAPSTAN_CANCELLED", message: "the execution was cancelled by SIGINT" });
    expect(record.steps.job).toMatchObject({
      state: "CANCELLED",
      error: { code: "CAPSTAN_CANCELLED", phase, message: `the execution was cancelled by SIGINT (the step was in phase "${phase}")` },
    });
    expect(record.logs.map((l) => l.message)).toContain(`deleted pod ${pod}`);
  });
});

describe("podCreate: the step's timeout in each phase", { timeout: 150_000 }, () => {
  it.each(PHASES)("%s: exit 1, pod deleted, record FAILED with CAPSTAN_STEP_TIMEOUT in that phase", async (phase) => {
    const { exit, pod, deletes, left, record } = await outcome("timeout", phase);
    expect(exit.code, exit.stderr).toBe(1);
    expect(deletes).toContain(pod);
    expect(left).toEqual([]);
    expect(record.state).toBe("FAILED");
    const timedOut = { code: "CAPSTAN_STEP_TIMEOUT", stepPath: "job", phase, message: `step "job" timed out after ${STEP_TIMEOUT_MS / 1000}s (in phase "${phase}")` };
    expect(record.error).toMatchObject(timedOut);
    expect(record.steps.job).toMatchObject({ state: "FAILED", error: timedOut });
    // The execution ended after the abandoned attempt deleted its pod, so the record says so.
    expect(record.logs.map((l) => l.message)).toContain(`deleted pod ${pod}`);
  });
});
