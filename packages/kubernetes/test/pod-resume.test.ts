/** Never two pods for one step attempt: a re-run reattaches to the pod its interrupted attempt left. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore, resumeStateFromEvents, type ExecutionEvent } from "@capstan/core";
import type { MockCluster } from "@capstan/testing";
import { deferred, noPodsLeft, numbered, podCreates, pods, runPod, startCluster, type RunResult } from "./pod-helpers.js";

let cluster: MockCluster;
let gate = deferred();

beforeAll(async () => {
  cluster = await startCluster();
  // Prints 5 lines, waits for the test to open the gate, prints 5 more.
  cluster.programs.register("capstan-test/two-halves:*", async (ctx) => {
    for (let i = 1; i <= 5; i++) ctx.stdout.write(`${numbered(i)}\n`);
    await Promise.race([gate.promise, new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }))]);
    for (let i = 6; i <= 10; i++) ctx.stdout.write(`${numbered(i)}\n`);
    ctx.stdout.write('::{"outputs":{"done":true}}::\n');
    if (ctx.fs.exists("/capstan/work/in.txt")) ctx.fs.writeFile("/capstan/work/result.txt", `${ctx.fs.readText("/capstan/work/in.txt")} -> done`);
    return 0;
  });
});
afterAll(() => cluster.close());
beforeEach(() => {
  gate = deferred();
  cluster.clearRequests();
});

const spec = { containers: [{ name: "main", image: "capstan-test/two-halves:1" }] };
const all = Array.from({ length: 10 }, (_, i) => numbered(i + 1));

/** A first run that stops after the first half while its pod keeps running (as when the process dies). */
async function interrupted(executionId: string, files: { inputFiles?: Record<string, string>; outputFiles?: string[] } = {}): Promise<RunResult> {
  const halfway = deferred();
  const ac = new AbortController();
  const result = runPod(cluster, { spec, delete: false, ...files }, { executionId, signal: ac.signal, onEvent: (e) => e.type === "log" && e.message === `[main] ${numbered(5)}` && halfway.resolve() });
  await halfway.promise;
  ac.abort();
  const run = await result;
  expect(run.execution.state).toBe("CANCELLED");
  return run;
}

/** The events a killed process would have left: everything before the step finished. */
function beforeTheEnd(events: ExecutionEvent[]): ExecutionEvent[] {
  const end = events.findIndex((e) => e.type === "step.finished");
  return end === -1 ? events : events.slice(0, end);
}

describe("podCreate resume", () => {
  it("reattaches a resumed step to its pod and continues its log where it stopped", async () => {
    const first = await interrupted("exec-resume-1");
    const [kept] = pods(cluster);
    expect(kept).toBeDefined();
    const resume = resumeStateFromEvents(beforeTheEnd(first.events));
    expect(resume.interrupted?.job?.checkpoint).toMatchObject({ pod: { name: kept!.name, uid: kept!.uid, namespace: "default" }, logs: { main: { count: 1 } } });

    const second = runPod(cluster, { spec }, { executionId: "exec-resume-1", resume });
    gate.resolve();
    const run = await second;
    expect(run.execution.state).toBe("SUCCESS");
    expect(run.execution.outputs).toMatchObject({ job: { name: kept!.name, uid: kept!.uid, reattached: true, vars: { done: true } } });
    expect(run.execution.logs.some((l) => l.message.startsWith(`reattached to pod ${kept!.name} (`) && l.message.endsWith("instead of creating another"))).toBe(true);
    // One pod in all; its log split between the runs, nothing repeated.
    expect(podCreates(cluster)).toBe(1);
    expect(first.lines()).toEqual(all.slice(0, 5));
    expect(run.lines()).toEqual(all.slice(5));
    await noPodsLeft(cluster);
  });

  it("reattaches with files: the input files are not sent twice and the output files come back", async () => {
    const files = { inputFiles: { "in.txt": "input" }, outputFiles: ["result.txt"] };
    const first = await interrupted("exec-resume-files", files);
    const resume = resumeStateFromEvents(beforeTheEnd(first.events));
    const storage = new MemoryArtifactStore();
    const second = runPod(cluster, { spec, ...files }, { executionId: "exec-resume-files", resume, storage });
    gate.resolve();
    const run = await second;
    expect(run.execution.state).toBe("SUCCESS");
    expect(podCreates(cluster)).toBe(1);
    const execs = cluster.requests.filter((r) => r.subresource === "exec" && r.query.container === "capstan-init-files");
    expect(execs).toHaveLength(1);
    const out = (run.execution.outputs as { job: { outputFiles: Record<string, string> } }).job.outputFiles;
    expect(Object.keys(out)).toEqual(["result.txt"]);
    expect(Buffer.from(await storage.get(out["result.txt"]!)).toString()).toBe("input -> done");
    await noPodsLeft(cluster);
  });

  it("reattaches to a pod labelled with the same step attempt even without a checkpoint", async () => {
    await interrupted("exec-resume-2");
    const [kept] = pods(cluster);
    const second = runPod(cluster, { spec }, { executionId: "exec-resume-2" });
    gate.resolve();
    const run = await second;
    expect(run.execution.state).toBe("SUCCESS");
    expect(run.execution.outputs).toMatchObject({ job: { uid: kept!.uid, reattached: true } });
    expect(podCreates(cluster)).toBe(1);
    // Without a checkpoint the log is read from the start.
    expect(run.lines()).toEqual(all);
    await noPodsLeft(cluster);
  });

  it("replaces the pod with resume: false, still one pod at a time", async () => {
    await interrupted("exec-resume-3");
    const [old] = pods(cluster);
    gate.resolve();
    const run = await runPod(cluster, { spec, resume: false }, { executionId: "exec-resume-3" });
    expect(run.execution.state).toBe("SUCCESS");
    const out = (run.execution.outputs as { job: { uid: string; reattached: boolean } }).job;
    expect(out.uid).not.toBe(old!.uid);
    expect(out.reattached).toBe(false);
    expect(cluster.requests.some((r) => r.method === "DELETE" && r.name === old!.name)).toBe(true);
    expect(podCreates(cluster)).toBe(2);
    await noPodsLeft(cluster);
  });

  it("creates a new pod for a new attempt of the step (retries are new attempts)", async () => {
    const { flow } = await import("@capstan/core");
    const { podCreate } = await import("../src/tasks/pod/index.js");
    const { kubernetes } = await import("../src/cluster/spec.js");
    cluster.programs.register("capstan-test/flaky:*", (ctx) => (ctx.pod.metadata.labels?.["capstan.io/attempt"] === "1" ? 1 : 0));
    const execution = await flow({ id: "retries" })
      .step("job", podCreate({ spec: { containers: [{ name: "main", image: "capstan-test/flaky:1" }] } }), { retry: { attempts: 2, delay: 1 } })
      .run({ services: kubernetes({ default: { kubeconfig: cluster.kubeconfig } }) });
    expect(execution.state).toBe("SUCCESS");
    expect(execution.steps.job?.attempts).toBe(2);
    expect(podCreates(cluster)).toBe(2);
    await noPodsLeft(cluster);
  });
});
