/**
 * The invariants checked after every run: one pod per step attempt, no pod left behind, every line
 * a container printed in the execution's log exactly once and in order, and a complete record
 * whose state matches the execution.
 */
import type { Execution, ExecutionEvent, StoredExecution } from "@capstan/core";
import type { KubeObject, MockCluster } from "@capstan/testing";
import type { ScenarioEnv } from "./scenario.ts";

const STEP = "capstan.io/step";
const EXECUTION = "capstan.io/execution";
const ATTEMPT = "capstan.io/attempt";
const STEP_PATH = "capstan.io/step-path";

export interface PodSighting {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  stepPath: string;
  attempt: number;
  execution: string;
}

/** Watches every cluster's store for the pods Capstan creates, from before the run starts. */
export function observePods(env: ScenarioEnv): { pods: PodSighting[]; stop(): void } {
  const pods: PodSighting[] = [];
  const stops = Object.entries(env.clusters).map(([cluster, c]) =>
    c.store.subscribe((e) => {
      if (e.type !== "ADDED" || e.resource.resource !== "pods") return;
      const labels = e.object.metadata.labels ?? {};
      if (labels[STEP] === undefined) return;
      pods.push({
        cluster,
        namespace: e.object.metadata.namespace ?? "default",
        name: e.object.metadata.name ?? "",
        uid: e.object.metadata.uid ?? "",
        stepPath: e.object.metadata.annotations?.[STEP_PATH] ?? labels[STEP] ?? "",
        attempt: Number(labels[ATTEMPT]),
        execution: labels[EXECUTION] ?? "",
      });
    }),
  );
  return { pods, stop: () => stops.forEach((s) => s()) };
}

/** No step attempt created two pods (a retried create after a lost response must find the first). */
export function checkOnePodPerAttempt(pods: readonly PodSighting[]): string[] {
  const byAttempt = new Map<string, PodSighting[]>();
  for (const p of pods) {
    const key = `${p.cluster}|${p.execution}|${p.stepPath}|${p.attempt}`;
    byAttempt.set(key, [...(byAttempt.get(key) ?? []), p]);
  }
  return [...byAttempt.values()].filter((l) => l.length > 1).map((l) => `step ${l[0]!.stepPath} attempt ${l[0]!.attempt} created ${l.length} pods on ${l[0]!.cluster}: ${l.map((p) => p.name).join(", ")}`);
}

/** No Capstan pod is left once the run ended (deletion is asynchronous: give it a moment). */
export async function checkNoPodsLeft(clusters: Record<string, MockCluster>, withinMs = 5000): Promise<string[]> {
  const left = () => Object.entries(clusters).flatMap(([name, c]) => c.list("v1", "Pod").filter((p: KubeObject) => p.metadata.labels?.[STEP] !== undefined).map((p) => `${name}/${p.metadata.namespace}/${p.metadata.name}${p.metadata.deletionTimestamp ? " (terminating)" : ""}`));
  const until = Date.now() + withinMs;
  while (left().length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return left().map((p) => `pod left behind: ${p}`);
}

/** The log lines of one step attempt, in the order the record has them. */
function attemptLines(events: readonly ExecutionEvent[], path: string, attempt: number, prefix: string): string[] {
  let current = 0;
  const out: string[] = [];
  for (const e of events) {
    if (e.type === "step.started" && e.path === path) current = e.attempt;
    else if (e.type === "log" && e.path === path && current === attempt && e.message.startsWith(prefix)) out.push(e.message.slice(prefix.length));
  }
  return out;
}

const DIRECTIVE = /^::.*::$/;

/**
 * Every line each checked container printed is in its step attempt's log once, in order. A pod
 * that a disruption hit may have lost its last lines with it (its node or its logs are gone, as
 * on a real cluster): its log must then be an in-order prefix, still without duplicates.
 */
export function checkLogs(events: readonly ExecutionEvent[], env: ScenarioEnv, pods: readonly PodSighting[], disrupted: ReadonlySet<string>): { violations: string[]; lines: number } {
  const violations: string[] = [];
  let lines = 0;
  for (const pod of pods) {
    for (const { container, prefix } of env.logged ?? []) {
      const printed = env.printed.get(`${pod.name}/${container}`);
      if (!printed) continue; // never started (e.g. disrupted before running)
      const want = printed.filter((l) => !DIRECTIVE.test(l));
      const got = attemptLines(events, pod.stepPath, pod.attempt, prefix);
      lines += got.length;
      const hit = disrupted.has(`${pod.cluster}/${pod.namespace}/${pod.name}`);
      const firstDiff = got.findIndex((l, i) => l !== want[i]);
      if (firstDiff >= 0) violations.push(`${pod.stepPath} attempt ${pod.attempt} (${pod.name}/${container}): log line ${firstDiff + 1} is ${JSON.stringify(got[firstDiff])}, the container printed ${JSON.stringify(want[firstDiff])}${got.length > want.length ? ` (${got.length} lines logged, ${want.length} printed)` : ""}`);
      else if (got.length < want.length && !hit) violations.push(`${pod.stepPath} attempt ${pod.attempt} (${pod.name}/${container}): ${want.length - got.length} of ${want.length} lines missing from the log (first: ${JSON.stringify(want[got.length])})`);
    }
  }
  return { violations, lines };
}

/** The record says what the execution was: state, steps, outputs, error, one end. */
export function checkRecord(ex: Execution, stored: StoredExecution, events: readonly ExecutionEvent[]): string[] {
  const v: string[] = [];
  if (stored.torn) v.push("record: torn last line");
  if (stored.state !== ex.state) v.push(`record: state ${stored.state}, the execution ended ${ex.state}`);
  if (stored.endedAt === undefined) v.push("record: no end time");
  if (events.filter((e) => e.type === "execution.finished").length !== 1) v.push("record: not exactly one execution.finished");
  if ((stored.error?.code ?? null) !== (ex.error?.code ?? null)) v.push(`record: error ${stored.error?.code}, the execution's ${ex.error?.code}`);
  if (JSON.stringify(stored.outputs ?? null) !== JSON.stringify(ex.outputs ?? null)) v.push("record: outputs differ from the execution's");
  for (const [path, step] of Object.entries(ex.steps)) {
    if (step.state === undefined) continue;
    const s = stored.steps[path];
    if (!s) v.push(`record: step ${path} missing`);
    else if (s.state !== step.state) v.push(`record: step ${path} is ${s.state}, the execution says ${step.state}`);
    else if (s.attempts !== step.attempts) v.push(`record: step ${path} has ${s.attempts} attempts, the execution says ${step.attempts}`);
  }
  const starts = new Set<string>();
  for (const e of events) {
    if (e.type !== "step.started") continue;
    const key = `${e.path}#${e.attempt}`;
    if (starts.has(key)) v.push(`record: step ${e.path} attempt ${e.attempt} started twice`);
    starts.add(key);
  }
  return v;
}
