/**
 * What a chaos scenario gives the harness: its clusters and flow, what faults it can take, which
 * pods a disruption may hit, whose container output to check line by line, and what the end state
 * must be. Scenarios start fresh environments per run, so a run's seed alone reproduces it.
 */
import type { AnyFlow, ArtifactStore, Execution, SecretProvider } from "@capstan/core";
import type { ContainerContext, ContainerProgram, KubeObject, MockCluster } from "@capstan/testing";
import type { FaultClass } from "./faults.ts";
import type { Rng } from "./random.ts";

/** Lines each container printed, by `<pod>/<container>`, in order. */
export type Printed = Map<string, string[]>;

export interface ScenarioEnv {
  clusters: Record<string, MockCluster>;
  flow: AnyFlow;
  inputs: Record<string, unknown>;
  services: Record<string, unknown>;
  secrets: SecretProvider[];
  /** Where the run's artifacts go (default: in memory). */
  storage?: ArtifactStore;
  /** Pods an eviction or a node loss may hit (the flow is built to survive losing them). */
  disruptable?(pod: KubeObject, cluster: string): boolean;
  /** Clusters disruptions may hit (default: all). */
  disruptionClusters?: string[];
  /** Containers whose every printed line must be in the step's log exactly once and in order. */
  logged?: { container: string; prefix: string }[];
  printed: Printed;
  /** The flow's intent, checked on the execution and the clusters: returns violations. */
  verify(ex: Execution, env: ScenarioEnv): Promise<string[]> | string[];
  close(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** Fault classes that apply (e.g. no node loss where the only GPU node is the one lost). */
  faults: readonly FaultClass[];
  start(rng: Rng): Promise<ScenarioEnv>;
}

/** Wraps a container program so every stdout line it prints is remembered. */
export function recording(printed: Printed, program: ContainerProgram): ContainerProgram {
  return (ctx: ContainerContext) => {
    const key = `${ctx.podName}/${ctx.containerName}`;
    const lines: string[] = [];
    if (!ctx.isExec) printed.set(key, lines);
    let partial = "";
    const stdout = {
      write(chunk: string | Uint8Array) {
        const text = partial + (typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        const parts = text.split("\n");
        partial = parts.pop() ?? "";
        if (!ctx.isExec) lines.push(...parts);
        ctx.stdout.write(chunk);
      },
    };
    return program({ ...ctx, stdout });
  };
}

/** The faults every scenario can take; disruptions only where the flow survives them. */
export const REQUEST_FAULTS = ["throttle", "serverError", "conflict", "reset", "lostResponse", "cutWatch", "expired", "cutLogs", "restart", "slow"] as const satisfies readonly FaultClass[];

/** Chaos retries: more attempts than the default, milliseconds apart (faults are bounded, so they end). */
export const CHAOS_RETRY = { attempts: 8, baseDelayMs: 5, maxDelayMs: 60 };

export function objectAt(cluster: MockCluster, apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined {
  return cluster.get({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });
}
