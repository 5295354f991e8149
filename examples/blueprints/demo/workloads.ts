/** Manifests and waits shared by the demo environments. */
import type { MockCluster } from "@capstan/testing";

/** A Deployment manifest (YAML) of a long-running web app. */
export function deployment(name: string, options: { image: string; replicas?: number; namespace?: string }): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${options.namespace ?? "default"}, labels: { app: ${name} } }
spec:
  replicas: ${options.replicas ?? 2}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: ${name}, image: "${options.image}", ports: [{ containerPort: 8080 }] }] }
`;
}

/** Resolves once every named Deployment has all its replicas available (seeded workloads start before the flow runs). */
export async function untilAvailable(cluster: MockCluster, namespace: string, names: readonly string[], withinMs = 10_000): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    const pending = names.filter((name) => {
      const d = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace });
      const status = (d?.["status"] ?? {}) as { availableReplicas?: number };
      return (status.availableReplicas ?? 0) < Number((d?.["spec"] as { replicas?: number } | undefined)?.replicas ?? 1);
    });
    if (!pending.length) return;
    if (Date.now() > until) throw new Error(`Deployments not available within ${withinMs}ms: ${pending.join(", ")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
