/**
 * What every blueprint's demo environment is: the services and secrets a run needs to reach the
 * emulated clusters and fakes, the inputs that point the flow at them, and how to stop them.
 * Tests use the same environments, so the demo and the tests exercise the same wiring.
 */
import type { SecretProvider } from "@capstan/core";
import { staticSecrets } from "@capstan/core";
import { kubernetes } from "@capstan/kubernetes";
import { mockCluster, type MockCluster, type SimulatedNodeSpec } from "@capstan/testing";
import { registerPrograms } from "./programs.ts";

export interface DemoEnv {
  /** `run({ services })`: Kubernetes clusters and the integrations' endpoints. */
  readonly services: Record<string, unknown>;
  /** `run({ secrets })`: the demo tokens. */
  readonly secrets: SecretProvider[];
  /** Inputs that point the flow at the local fakes (a real run passes its own). */
  readonly inputs: Record<string, unknown>;
  /** One line per endpoint, for the terminal. */
  readonly endpoints: string[];
  close(): Promise<void>;
}

export const DEMO_SECRETS = { SLACK_TOKEN: "xoxb-demo", VAULT_TOKEN: "demo-vault-token", GITHUB_TOKEN: "ghp_demo", INVENTORY_TOKEN: "demo-inventory-token", MODEL_REGISTRY_TOKEN: "demo-registry-token" } as const;

export const demoSecrets = (extra: Record<string, string> = {}): SecretProvider[] => [staticSecrets({ ...DEMO_SECRETS, ...extra })];

/** Fast retries: the fakes answer at once, so backing off for seconds only slows the demo and tests. */
export const fastRetry = { attempts: 4, baseDelayMs: 10, maxDelayMs: 100 };

export const cpuNodes = (n: number): SimulatedNodeSpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `node-${i + 1}`, capacity: { cpu: "8", memory: "32Gi", pods: "110" } }));

/** An emulated cluster with the demo images' programs and quick simulated delays. */
export async function demoCluster(options: { nodes?: SimulatedNodeSpec[]; seed?: string } = {}): Promise<MockCluster> {
  const cluster = await mockCluster({
    ...(options.seed ? { seed: options.seed } : {}),
    runtime: { nodes: options.nodes ?? cpuNodes(2), timing: { schedule: 5, imagePull: 10, containerStart: 10, readiness: 20, restartBackoff: 20, timeScale: 0.05 } },
  });
  registerPrograms(cluster.programs);
  return cluster;
}

/** `services.kubernetes` with one default cluster and named ones. */
export function kubeServices(defaultCluster: MockCluster | undefined, named: Record<string, MockCluster> = {}) {
  return kubernetes({
    ...(defaultCluster ? { default: { kubeconfig: defaultCluster.kubeconfig } } : {}),
    clusters: Object.fromEntries(Object.entries(named).map(([k, c]) => [k, { kubeconfig: c.kubeconfig }])),
    retry: fastRetry,
  });
}

export async function closeAll(...things: ({ close(): Promise<unknown> } | undefined)[]): Promise<void> {
  await Promise.allSettled(things.map((t) => t?.close()));
}
