/** The Vault rotation blueprint on an emulated cluster with Vault and Slack fakes. */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore } from "@capstan/core";
import { vaultRotation } from "./vault-rotation.ts";
import { startVaultDemo, type VaultDemo } from "./demo/vault.ts";

let demo: VaultDemo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const annotations = (d: VaultDemo, name: string) => d.cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace: "default" })?.metadata.annotations ?? {};
const template = (d: VaultDemo, name: string) =>
  ((d.cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace: "default" })?.["spec"] as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {});

async function rotate(deployments: string[], rejects?: string) {
  demo = await startVaultDemo({ deployments });
  // From now on, new pods of this image reject the rotated credential (the running ones keep their connections).
  if (rejects) demo.cluster.programs.register(rejects, (ctx) => (ctx.stderr.write('FATAL: password authentication failed for user "app-user"\n'), 1));
  const ex = await vaultRotation.run({ inputs: { deployments, rolloutTimeout: "4s" }, services: demo.services, secrets: demo.secrets, storage: new MemoryArtifactStore() });
  return { ex, demo };
}

describe("blueprint: Vault rotation", () => {
  it("rotates, stamps and restarts every Deployment until available, tells Slack; one execution id everywhere", async () => {
    const { ex, demo } = await rotate(["api", "worker"]);
    expect(ex.error).toBeUndefined();
    expect(ex.state).toBe("SUCCESS");
    expect(demo.vault.rotations).toEqual(["app"]);
    expect(demo.vault.kvGet("rotations/app")).toEqual({ execution: ex.id, deployments: "api,worker" });
    for (const name of ["api", "worker"]) {
      expect(annotations(demo, name)).toMatchObject({ "capstan.io/credential": "app", "capstan.io/rotated-by": ex.id });
      expect(template(demo, name)["kubectl.kubernetes.io/restartedAt"]).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(demo.cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name, namespace: "default" })?.["status"]).toMatchObject({ availableReplicas: 2, updatedReplicas: 2, replicas: 2 });
    }
    // The requests: one annotation patch and one restart patch per Deployment, in order (one at a time).
    const patches = demo.cluster.requests.filter((r) => r.verb === "patch" && r.resource === "deployments").map((r) => r.name);
    expect(patches).toEqual(["api", "api", "worker", "worker"]);
    expect(demo.slack.messages.map((m) => [m.channel, m.text])).toEqual([["C0OPS", `rotated app in Vault (execution ${ex.id}); restarted: api (2/2), worker (2/2)`]]);
    expect(ex.outputs?.verdict).toEqual({ rolled: 2 });
    expect(JSON.stringify(ex)).not.toContain("demo-vault-token");
  });

  it("keeps going past a Deployment that never becomes available, reports its pods' reasons to Slack, and fails", async () => {
    const { ex, demo } = await rotate(["api", "worker", "billing"], "ghcr.io/acme/worker:*");
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ stepPath: "verdict", message: "1 Deployment(s) not available after the rotation: worker" });
    expect(ex.steps.roll?.items).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    // The policy: billing, after the failed worker, was still restarted.
    expect(template(demo, "billing")["kubectl.kubernetes.io/restartedAt"]).toBeDefined();
    expect(annotations(demo, "billing")["capstan.io/rotated-by"]).toBe(ex.id);
    const [message] = demo.slack.messages;
    expect(demo.slack.messages).toHaveLength(1);
    expect(message?.text).toContain(`rotated app in Vault (execution ${ex.id}); restarted: api (2/2), billing (2/2)`);
    // The wait fails early with the pod's reason, well before its timeout.
    expect(message?.text).toMatch(/NOT available: worker: .*CrashLoopBackOff/);
  });
});
