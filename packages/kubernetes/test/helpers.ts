/** Test helpers: emulated clusters and a run wired to them. */
import { MemoryArtifactStore, type AnyFlow, type Execution } from "@capstan/core";
import { mockCluster, type MockCluster, type MockClusterOptions } from "@capstan/testing";
import { kubernetes, type KubernetesServices } from "../src/index.js";

export async function clusters(n: number, options: MockClusterOptions = {}): Promise<MockCluster[]> {
  return Promise.all(Array.from({ length: n }, () => mockCluster(options)));
}

/** Runs a flow with `cluster` as the default cluster (and `named` by name), fast retries, in-memory artifacts. */
export function runOn(flow: AnyFlow, cluster: MockCluster | undefined, extra: { named?: Record<string, MockCluster>; inputs?: unknown; services?: Partial<KubernetesServices>; signal?: AbortSignal } = {}): Promise<Execution<any>> {
  return flow.run({
    inputs: extra.inputs,
    storage: new MemoryArtifactStore(),
    secrets: [],
    ...(extra.signal ? { signal: extra.signal } : {}),
    services: kubernetes({
      ...(cluster ? { default: { kubeconfig: cluster.kubeconfig } } : {}),
      clusters: Object.fromEntries(Object.entries(extra.named ?? {}).map(([k, c]) => [k, { kubeconfig: c.kubeconfig }])),
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 },
      ...extra.services,
    }),
  });
}

export const deployment = (name: string, replicas = 2, image = "nginx:1.25", namespace?: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, ...(namespace ? { namespace } : {}), labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
  },
});
