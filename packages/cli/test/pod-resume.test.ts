/**
 * End-to-end, issue 6: a flow process SIGKILLed while its podCreate step follows a running pod,
 * then `capstan resume`. The emulated cluster runs in its own process (it outlives the killed
 * flow, as a real cluster would); the flow runs as a real `tsx` process against it through
 * `--services`. Asserted through the cluster's API and request record and through `capstan`
 * itself: one pod for the step, reattached and deleted at the end, the right output, and every
 * line the container printed in the execution log exactly once, in order.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, fixture, flowFile, jsonLines, root, start, tempDir, type Spawned } from "./helpers.js";

const LINES = 80;
const HALF = 40;
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

/** The cluster process: started once, asked for its request record over stdin. */
class ClusterProcess {
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #waiting: ((line: string) => void)[] = [];

  constructor(readonly kubeconfig: string) {
    this.#child = spawn(process.execPath, ["--import", "tsx", fixture("pod-cluster.ts"), kubeconfig], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    this.#lines = createInterface({ input: this.#child.stdout! });
    this.#lines.on("line", (line) => this.#waiting.shift()?.(line));
  }

  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#waiting.push(resolve);
      this.#child.once("exit", (code) => reject(new Error(`cluster process exited (${code})`)));
    });
  }

  /** How many pod creates (POSTs) the cluster has received. */
  async creates(): Promise<number> {
    const answer = this.next();
    this.#child.stdin!.write("creates\n");
    return (JSON.parse(await answer) as { creates: number }).creates;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null) return resolve();
      this.#child.once("exit", () => resolve());
      this.#child.stdin!.end();
    });
  }
}

let cluster: ClusterProcess;
let core: CoreV1Api;
const dir = tempDir("capstan-pod-resume-");
const services = join(dir, "services.json");
/** Flow and resume processes: a failed assertion must not leave one waiting on the pod. */
const children: ChildProcess[] = [];
const started = (s: Spawned) => (children.push(s.child), s);

beforeAll(async () => {
  cluster = new ClusterProcess(join(dir, "kubeconfig"));
  expect(await cluster.next()).toBe("ready");
  writeFileSync(services, JSON.stringify({ kubernetes: { default: { file: cluster.kubeconfig } } }));
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
}, 60_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await cluster?.close();
});

/** The step's pods, asked of the cluster by the labels podCreate puts on them. */
async function stepPods(executionId: string): Promise<V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: "default", labelSelector: `capstan.io/execution=${executionId},capstan.io/step=work` });
  return list.items;
}

describe("podCreate: SIGKILL mid-step, then capstan resume (real processes)", { timeout: 90_000 }, () => {
  it("reattaches to the one pod, logs every line once and in order, succeeds, and deletes the pod", async () => {
    const home = tempDir();
    const gate = join(dir, "gate");
    const run = started(flowFile(home, fixture("pod-lines.ts"), ["--input", `gate=${gate}`, "--input", `lines=${LINES}`, "--input", `half=${HALF}`, "--services", services, "-o", "json"]));
    // The pod is running and has printed its first half: kill the flow process mid-step as soon as
    // that line is out, which may be before the checkpoint covering it is recorded: the resumed
    // attempt then reads those lines again and skips the ones already in the record.
    await run.waitFor(`"message":"[main] line ${HALF}"`);
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    const id = jsonLines<{ executionId: string }>(killed.stdout)[0]!.executionId;

    // The pod outlives the process that created it.
    const before = await stepPods(id);
    expect(before).toHaveLength(1);
    const pod = before[0]!;
    expect(pod.status?.phase).toBe("Running");
    const shown = JSON.parse((await start([bin, "executions", "show", id, "--json"], home).done).stdout);
    expect(shown).toMatchObject({ state: "INTERRUPTED", steps: { work: { state: "INTERRUPTED", checkpoint: { pod: { name: pod.metadata!.name, uid: pod.metadata!.uid } } } } });

    // The container goes on once the resumed run has reattached: it follows the rest live.
    const resume = started(start([bin, "resume", id, "--services", services, "-o", "json"], home));
    await resume.waitFor(`"message":"reattached to pod ${pod.metadata!.name} (Running)`);
    writeFileSync(gate, "");
    const resumed = await resume.done;
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);

    const ex = JSON.parse((await start([bin, "executions", "show", id, "--json"], home).done).stdout);
    expect(ex).toMatchObject({ state: "SUCCESS", runs: 2 });
    expect(ex.steps.work).toMatchObject({
      state: "SUCCESS",
      output: { name: pod.metadata!.name, namespace: "default", uid: pod.metadata!.uid, phase: "Succeeded", exitCodes: { main: 0 }, reattached: true, vars: { firstHalf: HALF, printed: LINES } },
    });

    // One pod was ever created for the step (the labels listed just it before): by the request record.
    expect(await cluster.creates()).toBe(1);

    // Every line the container printed, once and in order, across both processes.
    const logs = await start([bin, "logs", id, "--step", "work", "--json"], home).done;
    expect(logs.code).toBe(0);
    const messages = jsonLines<{ message: string }>(logs.stdout).map((l) => l.message);
    expect(messages.filter((m) => m.startsWith("[main] ")).map((m) => m.slice(7))).toEqual(numbered(1, LINES));
    expect(messages.filter((m) => m.startsWith(`reattached to pod ${pod.metadata!.name} (Running)`))).toHaveLength(1);

    // The resumed run deleted the pod when the step ended.
    expect(messages).toContain(`deleted pod ${pod.metadata!.name}`);
    for (const until = Date.now() + 10_000; (await stepPods(id)).length; ) {
      if (Date.now() > until) throw new Error(`pod ${pod.metadata!.name} was not deleted`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
