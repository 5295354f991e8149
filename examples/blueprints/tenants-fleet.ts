/**
 * Blueprint: the same manifest to every tenant cluster, in parallel. Fetch the tenants (name and
 * the secret holding its kubeconfig) from the inventory API; for each, with a cap on how many
 * change at once (the blast radius): server-side apply with that tenant's kubeconfig, wait until
 * ready, tell Slack. A tenant that fails is rolled back to its previous revision by its own errors
 * branch (like `kubectl rollout undo`); the other tenants are unaffected.
 *
 *   tsx examples/blueprints/tenants-fleet.ts --demo                    # tenant "beta" is faulty
 *   INVENTORY_URL=https://inventory.internal CAPSTAN_SECRET_INVENTORY_TOKEN=... CAPSTAN_SECRET_SLACK_TOKEN=... \
 *     CAPSTAN_SECRET_TENANT_ALPHA_KUBECONFIG="base64:$(base64 -w0 alpha.kubeconfig)" \
 *     tsx examples/blueprints/tenants-fleet.ts --input image=ghcr.io/acme/web:1.5.0
 */
import { z } from "zod";
import { flow, main, manual, secret } from "@capstan/core";
import { http } from "@capstan/http";
import { kubectl } from "@capstan/kubernetes";
import { slack } from "@capstan/slack";
import { webManifest } from "./promote.ts";
import { demoRequested } from "./demo/switch.ts";

const Tenants = z.array(z.object({ id: z.string(), kubeconfigSecret: z.string() }));
const REVISION = "deployment.kubernetes.io/revision";

export const tenantsFleet = flow({
  id: "tenants-fleet",
  description: "Apply one manifest to every tenant cluster, a few at a time; roll back only the tenants that fail",
  inputs: z.object({
    inventory: z.string().url().default(() => process.env.INVENTORY_URL ?? "https://inventory.internal").describe("inventory API base URL"),
    image: z.string().default("ghcr.io/acme/web:1.5.0").describe("image to roll out"),
    app: z.string().default("web"),
    namespace: z.string().default("web"),
    replicas: z.number().int().min(1).default(2),
    blastRadius: z.number().int().min(1).default(2).describe("tenants changed at once"),
    readyTimeout: z.string().default("5m").describe("how long each tenant may take to become ready"),
    channel: z.string().default("#releases"),
  }),
  triggers: [manual()],
})
  .step("tenants", http.request(({ inputs }) => ({ url: `${inputs.inventory}/tenants`, bearer: secret("INVENTORY_TOKEN"), schema: Tenants, retries: 3 })))
  .forEach(
    "rollout",
    ({ steps }) => steps.tenants.body,
    {
      concurrency: ({ inputs }) => inputs.blastRadius,
      onItemError: "continue",
      // This tenant only: put the previous ReplicaSet's template back, wait for it, say so.
      errors: (e) =>
        e
          .step("history", kubectl.get(({ item, inputs }) => ({ kind: "ReplicaSet", namespace: inputs.namespace, labelSelector: `app=${inputs.app}`, cluster: { kubeconfig: secret(item.kubeconfigSecret) } })))
          .step("undo", ({ item, inputs, steps }) => {
            const byRevision = [...steps.history.items].sort((a, b) => Number(b.metadata?.annotations?.[REVISION] ?? 0) - Number(a.metadata?.annotations?.[REVISION] ?? 0));
            const previous = byRevision[1];
            if (!previous?.spec?.template) throw new Error(`${item.id}: no previous revision to roll back to`);
            const { "pod-template-hash": _hash, ...labels } = previous.spec.template.metadata?.labels ?? {};
            const template = { ...previous.spec.template, metadata: { ...previous.spec.template.metadata, labels } };
            return kubectl.patch({ kind: "Deployment", name: inputs.app, namespace: inputs.namespace, type: "json", patch: [{ op: "replace", path: "/spec/template", value: template }], cluster: { kubeconfig: secret(item.kubeconfigSecret) }, waitUntilReady: inputs.readyTimeout });
          })
          .step("alert", slack.postMessage(({ item, inputs, error }) => ({ channel: inputs.channel, text: `${item.id}: ${inputs.image} failed, rolled back to the previous revision: ${error.message}` }))),
    },
    (each) =>
      each
        // force: this flow owns the manifest, also the fields an earlier tool (kubectl edit, a Helm upgrade) last set.
        .step("apply", kubectl.apply(({ item, inputs }) => ({ manifest: webManifest(inputs), cluster: { kubeconfig: secret(item.kubeconfigSecret) }, force: true, waitUntilReady: inputs.readyTimeout })))
        .step("tell", slack.postMessage(({ item, inputs }) => ({ channel: inputs.channel, text: `${item.id}: ${inputs.image} is live` }))),
  )
  .step("report", ({ steps }) => ({
    updated: steps.rollout.flatMap((r) => (r.ok ? [r.item.id] : [])),
    rolledBack: steps.rollout.flatMap((r) => (r.ok ? [] : [r.item.id])),
  }));

if (demoRequested(import.meta)) await (await import("./demo/run.ts")).runDemo(tenantsFleet, "tenants-fleet");

export default main(import.meta, tenantsFleet);
