/** Shared setup for podCreate's end-to-end tests: an emulated cluster, container programs, and a runner. */
import { flow, MemoryArtifactStore, type ArtifactStore, type Execution, type ExecutionEvent, type ResumeState } from "@capstan/core";
import { mockCluster, type MockCluster, type MockClusterOptions } from "@capstan/testing";
import { kubernetes } from "../src/cluster/spec.js";
import { podCreate } from "../src/tasks/pod/index.js";

export type PodParams = Parameters<typeof podCreate>[0] & object;

export interface RunResult {
  execution: Execution;
  events: ExecutionEvent[];
  /** Messages logged with this prefix (e.g. "[main] "), prefix removed. */
  lines(prefix?: string): string[];
}

export async function startCluster(options: MockClusterOptions = {}): Promise<MockCluster> {
  return mockCluster(options);
}

/** Runs one podCreate step (id "job") in a flow (id "pods") against the cluster. */
export async function runPod(
  cluster: MockCluster,
  params: PodParams,
  options: { storage?: ArtifactStore; signal?: AbortSignal; executionId?: string; resume?: ResumeState; stepTimeout?: number; onEvent?: (e: ExecutionEvent) => void } = {},
): Promise<RunResult> {
  const f = flow({ id: "pods" }).step("job", podCreate(params as never), options.stepTimeout ? { timeout: options.stepTimeout } : {});
  const events: ExecutionEvent[] = [];
  const execution = await f.run({
    services: kubernetes({ default: { kubeconfig: cluster.kubeconfig } }),
    storage: options.storage ?? new MemoryArtifactStore(),
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
    cancelGraceMs: 10_000,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.executionId ? { executionId: options.executionId } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
  });
  return {
    execution,
    events,
    lines: (prefix = "[main] ") => execution.logs.filter((l) => l.message.startsWith(prefix)).map((l) => l.message.slice(prefix.length)),
  };
}

export function pods(cluster: MockCluster): { name: string; uid: string; deleting: boolean }[] {
  return cluster.list("v1", "Pod", "default").map((p) => ({ name: p.metadata.name ?? "", uid: p.metadata.uid ?? "", deleting: !!p.metadata.deletionTimestamp }));
}

/** Resolves when no pod is left in the namespace (deletion is asynchronous after a cancelled step). */
export async function noPodsLeft(cluster: MockCluster, withinMs = 5000): Promise<void> {
  const until = Date.now() + withinMs;
  while (pods(cluster).length) {
    if (Date.now() > until) throw new Error(`pods left: ${JSON.stringify(pods(cluster))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** POSTs of pods the server received (how many pods podCreate tried to create). */
export function podCreates(cluster: MockCluster): number {
  return cluster.requests.filter((r) => r.method === "POST" && /\/pods$/.test(r.path)).length;
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** `line-000001` ... */
export function numbered(i: number): string {
  return `line-${String(i).padStart(6, "0")}`;
}
