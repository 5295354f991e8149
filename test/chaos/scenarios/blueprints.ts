/**
 * The four blueprints on their demo environments (the same wiring as their tests and `npm run
 * demo`), with chaos retries, generous waits, and each one's intended end state.
 */
import type { Execution } from "@capstan/core";
import { kubernetes } from "@capstan/kubernetes";
import type { KubeObject, MockCluster } from "@capstan/testing";
import { gpuTraining } from "../../../examples/blueprints/gpu-training.ts";
import { promote } from "../../../examples/blueprints/promote.ts";
import { tenantsFleet } from "../../../examples/blueprints/tenants-fleet.ts";
import { vaultRotation } from "../../../examples/blueprints/vault-rotation.ts";
import { startGpuDemo } from "../../../examples/blueprints/demo/gpu.ts";
import { trainer } from "../../../examples/blueprints/demo/programs.ts";
import { startPromoteDemo } from "../../../examples/blueprints/demo/promote.ts";
import { startTenantsDemo } from "../../../examples/blueprints/demo/tenants.ts";
import { startVaultDemo } from "../../../examples/blueprints/demo/vault.ts";
import type { Rng } from "../random.ts";
import { CHAOS_RETRY, objectAt, recording, REQUEST_FAULTS, type Printed, type Scenario } from "../scenario.ts";

/** Polls until `check` returns no violations (controllers converge asynchronously), or returns the last ones. */
async function eventually(check: () => string[], withinMs = 5000): Promise<string[]> {
  const until = Date.now() + withinMs;
  for (;;) {
    const v = check();
    if (!v.length || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function deploymentState(cluster: MockCluster, name: string, namespace: string) {
  const d = objectAt(cluster, "apps/v1", "Deployment", name, namespace);
  const spec = d?.["spec"] as { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: { image?: string }[] } } } | undefined;
  const status = (d?.["status"] ?? {}) as { availableReplicas?: number; updatedReplicas?: number; readyReplicas?: number };
  return { exists: !!d, annotations: d?.metadata.annotations ?? {}, template: spec?.template?.metadata?.annotations ?? {}, image: spec?.template?.spec?.containers?.[0]?.image, replicas: spec?.replicas ?? 1, status };
}

const available = (cluster: MockCluster, label: string, name: string, namespace: string, want: number): string[] => {
  const d = deploymentState(cluster, name, namespace);
  return d.status.availableReplicas === want && d.status.updatedReplicas === want ? [] : [`${label}: Deployment ${namespace}/${name} has ${d.status.availableReplicas ?? 0} available, ${d.status.updatedReplicas ?? 0} updated, want ${want}`];
};

const labelled = (app: string) => (pod: KubeObject) => pod.metadata.labels?.["app"] === app;

export const gpuScenario: Scenario = {
  name: "gpu-training",
  // One GPU node and a pod step without retries: losing either is a failed run by design.
  faults: REQUEST_FAULTS,
  async start(rng: Rng) {
    const demo = await startGpuDemo();
    const printed: Printed = new Map();
    demo.cluster.programs.register("ghcr.io/acme/trainer:*", recording(printed, trainer));
    const epochs = rng.int(2, 8);
    return {
      clusters: { main: demo.cluster },
      flow: gpuTraining,
      inputs: { ...demo.inputs, epochs },
      services: { ...demo.services, ...kubernetes({ default: { kubeconfig: demo.cluster.kubeconfig }, retry: CHAOS_RETRY }) },
      secrets: demo.secrets,
      printed,
      logged: [{ container: "trainer", prefix: "[trainer] " }],
      verify(ex: Execution) {
        const v: string[] = [];
        const metrics = (ex.outputs as { metrics?: { epochs?: number; model?: string } } | undefined)?.metrics;
        if (metrics?.epochs !== epochs) v.push(`metrics.epochs ${metrics?.epochs}, want ${epochs}`);
        if (demo.versions.length !== 1) v.push(`${demo.versions.length} model versions registered, want 1`);
        else if (demo.versions[0]?.body["artifact"] !== metrics?.model || demo.versions[0]?.body["execution"] !== ex.id) v.push("the registered version does not name this run's model and execution");
        if (demo.slack.messages.length !== 1 || !demo.slack.messages[0]?.text?.includes(`after ${epochs} epochs`)) v.push(`Slack got ${JSON.stringify(demo.slack.messages.map((m) => m.text))}`);
        return v;
      },
      close: () => demo.close(),
    };
  },
};

export const vaultScenario: Scenario = {
  name: "vault-rotation",
  faults: [...REQUEST_FAULTS, "eviction", "nodeLoss"],
  async start() {
    const names = ["api", "worker"];
    const demo = await startVaultDemo({ deployments: names });
    return {
      clusters: { main: demo.cluster },
      flow: vaultRotation,
      inputs: { deployments: names, rolloutTimeout: "30s" },
      services: { ...demo.services, ...kubernetes({ default: { kubeconfig: demo.cluster.kubeconfig }, retry: CHAOS_RETRY }) },
      secrets: demo.secrets,
      printed: new Map(),
      disruptable: (pod) => names.includes(pod.metadata.labels?.["app"] ?? ""),
      async verify(ex: Execution) {
        const v: string[] = [];
        if (JSON.stringify(demo.vault.rotations) !== '["app"]') v.push(`Vault rotations ${JSON.stringify(demo.vault.rotations)}, want ["app"]`);
        if (JSON.stringify(demo.vault.kvGet("rotations/app")) !== JSON.stringify({ execution: ex.id, deployments: "api,worker" })) v.push("Vault audit entry is not this run's");
        for (const name of names) {
          const d = deploymentState(demo.cluster, name, "default");
          if (d.annotations["capstan.io/rotated-by"] !== ex.id) v.push(`Deployment ${name} not stamped with the execution id`);
          if (!d.template["kubectl.kubernetes.io/restartedAt"]) v.push(`Deployment ${name} not restarted`);
        }
        v.push(...(await eventually(() => names.flatMap((n) => available(demo.cluster, "main", n, "default", 2)))));
        const rolled = (ex.outputs as { verdict?: { rolled?: number } } | undefined)?.verdict?.rolled;
        if (rolled !== 2) v.push(`verdict rolled ${rolled}, want 2`);
        // A pod lost after a rollout and before its read shows as 1/2: the report says what it saw.
        if (demo.slack.messages.length !== 1 || !/^rotated app in Vault \(execution \S+\); restarted: api \([12]\/2\), worker \([12]\/2\)$/.test(demo.slack.messages[0]?.text ?? "") || !demo.slack.messages[0]?.text?.includes(ex.id)) v.push(`Slack got ${JSON.stringify(demo.slack.messages.map((m) => m.text))}`);
        return v;
      },
      close: () => demo.close(),
    };
  },
};

export const promoteScenario: Scenario = {
  name: "promote",
  faults: [...REQUEST_FAULTS, "eviction", "nodeLoss"],
  async start() {
    const demo = await startPromoteDemo();
    return {
      clusters: { staging: demo.staging, prod: demo.prod },
      flow: promote,
      inputs: { readyTimeout: "30s" },
      services: { ...demo.services, ...kubernetes({ clusters: { staging: { kubeconfig: demo.staging.kubeconfig }, prod: { kubeconfig: demo.prod.kubeconfig } }, retry: CHAOS_RETRY }) },
      secrets: demo.secrets,
      printed: new Map(),
      // Losing a staging pod after staging became ready makes the gate refuse to promote, by design:
      // the run would be right to fail. Prod's pods may go at any time.
      disruptable: labelled("web"),
      disruptionClusters: ["prod"],
      async verify(ex: Execution) {
        const v: string[] = [];
        const out = ex.outputs as { gate?: { taken?: string }; summary?: { ready?: number } } | undefined;
        if (out?.gate?.taken !== "then") v.push(`gate took ${out?.gate?.taken}, want then`);
        if (out?.summary?.ready !== 3) v.push(`staging summary saw ${out?.summary?.ready} ready, want 3`);
        v.push(...(await eventually(() => [...available(demo.staging, "staging", "web", "web", 3), ...available(demo.prod, "prod", "web", "web", 3)])));
        if (demo.github.issues.length) v.push(`${demo.github.issues.length} GitHub issue(s) opened`);
        return v;
      },
      close: () => demo.close(),
    };
  },
};

export const tenantsScenario: Scenario = {
  name: "tenants-fleet",
  faults: [...REQUEST_FAULTS, "eviction", "nodeLoss"],
  async start(rng: Rng) {
    const tenants = ["alpha", "beta", "gamma"];
    const demo = await startTenantsDemo({ tenants, faulty: ["beta"] });
    const blastRadius = rng.int(1, 3);
    return {
      clusters: demo.clusters,
      flow: tenantsFleet,
      inputs: { ...demo.inputs, readyTimeout: "30s", blastRadius },
      services: { ...demo.services, kubernetes: { retry: CHAOS_RETRY } },
      secrets: demo.secrets,
      printed: new Map(),
      // The healthy tenants' pods: losing one must not be mistaken for a failed release.
      disruptable: labelled("web"),
      disruptionClusters: ["alpha", "gamma"],
      async verify(ex: Execution) {
        const v: string[] = [];
        const report = (ex.outputs as { report?: unknown } | undefined)?.report;
        if (JSON.stringify(report) !== JSON.stringify({ updated: ["alpha", "gamma"], rolledBack: ["beta"] })) v.push(`report ${JSON.stringify(report)}, want alpha and gamma updated, beta rolled back`);
        for (const t of tenants) {
          const want = t === "beta" ? "ghcr.io/acme/web:1.4.0" : "ghcr.io/acme/web:1.5.0";
          const image = deploymentState(demo.clusters[t]!, "web", "web").image;
          if (image !== want) v.push(`${t} runs ${image}, want ${want}`);
        }
        v.push(...(await eventually(() => tenants.flatMap((t) => available(demo.clusters[t]!, t, "web", "web", 2)))));
        if (demo.slack.messages.length !== 3) v.push(`Slack got ${demo.slack.messages.length} messages, want 3`);
        return v;
      },
      close: () => demo.close(),
    };
  },
};

export const blueprintScenarios = [gpuScenario, vaultScenario, promoteScenario, tenantsScenario];
