/**
 * Blueprint: rotate a credential in Vault, then patch and restart what reads it. Weekly (and by
 * hand): rotate the database role's password in Vault and record who did it; for each Deployment
 * that consumes it, stamp a rollout annotation, restart it and wait until available = desired;
 * then tell Slack. The execution id is in Vault's audit entry, on every Deployment and in Slack.
 *
 * Declared failure policy: every Deployment is processed even when one never becomes available
 * (`onItemError: "continue"`, one at a time); Slack is told which failed, with its pods' reasons,
 * and the execution ends FAILED. To stop at the first failure instead, use `onItemError: "fail"`.
 *
 *   tsx examples/blueprints/vault-rotation.ts --demo
 *   VAULT_ADDR=https://vault:8200 CAPSTAN_SECRET_VAULT_TOKEN=... CAPSTAN_SECRET_SLACK_TOKEN=... \
 *     tsx examples/blueprints/vault-rotation.ts --input role=orders --input deployments=api,worker
 */
import { z } from "zod";
import { flow, main, manual, schedule } from "@capstan/core";
import { kubectl } from "@capstan/kubernetes";
import { slack } from "@capstan/slack";
import { vault } from "@capstan/vault";
import { demoRequested } from "./demo/switch.ts";

export const vaultRotation = flow({
  id: "vault-rotation",
  description: "Rotate a database credential in Vault, roll every Deployment that reads it, tell Slack",
  inputs: z.object({
    role: z.string().min(1).default("app").describe("Vault database static role to rotate"),
    deployments: z.array(z.string().min(1)).min(1).default(["api", "worker"]).describe("Deployments that read the credential"),
    namespace: z.string().default("default").describe("namespace of the Deployments"),
    channel: z.string().default("#ops").describe("Slack channel"),
    rolloutTimeout: z.string().default("5m").describe("how long each rollout may take"),
  }),
  labels: { team: "platform" },
  triggers: [schedule({ cron: "0 3 * * 1", timezone: "Europe/Berlin", catchUp: "last" }), manual()],
})
  .step("rotate", vault.write(({ inputs }) => ({ path: `database/rotate-role/${inputs.role}` })), { retry: { attempts: 3, delay: "1s" } })
  .step("audit", vault.kvWrite(({ inputs, execution }) => ({ path: `rotations/${inputs.role}`, data: { execution: execution.id, deployments: inputs.deployments.join(",") } })))
  .forEach(
    "roll",
    ({ inputs }) => inputs.deployments,
    { concurrency: 1, onItemError: "continue" },
    (each) =>
      each
        .step("annotate", kubectl.patch(({ item, inputs, execution }) => ({
          kind: "Deployment",
          name: item,
          namespace: inputs.namespace,
          patch: { metadata: { annotations: { "capstan.io/credential": inputs.role, "capstan.io/rotated-by": execution.id } } },
        })))
        .step("restart", kubectl.restart(({ item, inputs }) => ({ kind: "Deployment", name: item, namespace: inputs.namespace, wait: inputs.rolloutTimeout })))
        .step("status", kubectl.get(({ item, inputs }) => ({ kind: "Deployment", name: item, namespace: inputs.namespace })))
        .step("available", ({ item, steps }) => ({ name: item, available: steps.status.status?.availableReplicas ?? 0, desired: steps.status.spec?.replicas ?? 1 })),
  )
  .step("report", ({ steps }) => ({
    rolled: steps.roll.flatMap((r) => (r.ok ? [`${r.item} (${r.steps.available.available}/${r.steps.available.desired})`] : [])),
    failed: steps.roll.flatMap((r) => (r.ok ? [] : [{ name: r.item, reason: r.error.message }])),
  }))
  .step("notify", slack.postMessage(({ inputs, steps, execution }) => ({
    channel: inputs.channel,
    text: [
      `rotated ${inputs.role} in Vault (execution ${execution.id}); restarted: ${steps.report.rolled.join(", ") || "none"}`,
      ...steps.report.failed.map((f) => `NOT available: ${f.name}: ${f.reason}`),
    ].join("\n"),
  })))
  .step("verdict", ({ steps }) => {
    if (steps.report.failed.length) throw new Error(`${steps.report.failed.length} Deployment(s) not available after the rotation: ${steps.report.failed.map((f) => f.name).join(", ")}`);
    return { rolled: steps.report.rolled.length };
  })
  // A failure before the report (Vault down): Slack is told here; the verdict's failure was already reported above.
  .errors((e) => e.step("tell", ({ error, inputs, execution }) =>
    error.stepId === "verdict" ? { told: false } : slack.postMessage({ channel: inputs.channel, text: `rotating ${inputs.role} failed (execution ${execution.id}) at ${error.path}: ${error.message}` })));

if (demoRequested(import.meta)) await (await import("./demo/run.ts")).runDemo(vaultRotation, "vault-rotation");

export default main(import.meta, vaultRotation);
