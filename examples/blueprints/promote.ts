/**
 * Blueprint: promote staging to prod only if its Pods are Ready. On a release webhook or by hand:
 * server-side apply the manifest to staging and give it time to become ready; read the Deployment;
 * if ready replicas equal desired, apply the same manifest to prod; otherwise open a GitHub issue
 * with the namespace, the Deployment and its pods' statuses, and stop with a failed state.
 *
 *   tsx examples/blueprints/promote.ts --demo
 *   tsx examples/blueprints/promote.ts --services clusters.yaml --input image=ghcr.io/acme/web:1.6.0
 *     # clusters.yaml: { kubernetes: { clusters: { staging: { context: staging }, prod: { context: prod } } } }
 *     # (without it, "staging" and "prod" are contexts of your default kubeconfig); secret GITHUB_TOKEN
 */
import { z } from "zod";
import { flow, main, manual, secret, webhook } from "@capstan/core";
import { github } from "@capstan/github";
import { kubectl } from "@capstan/kubernetes";
import { demoRequested } from "./demo/switch.ts";

/** The manifest both clusters get: the namespace and the app's Deployment. */
export function webManifest(p: { app: string; namespace: string; image: string; replicas: number }) {
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: p.namespace } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: p.app, namespace: p.namespace, labels: { app: p.app } },
      spec: {
        replicas: p.replicas,
        selector: { matchLabels: { app: p.app } },
        template: { metadata: { labels: { app: p.app } }, spec: { containers: [{ name: p.app, image: p.image, ports: [{ containerPort: 8080 }] }] } },
      },
    },
  ];
}

export const promote = flow({
  id: "promote",
  description: "Apply to staging; promote to prod only when every replica is ready, else open an issue",
  inputs: z.object({
    app: z.string().default("web").describe("Deployment name (and app label)"),
    namespace: z.string().default("web").describe("namespace in both clusters"),
    image: z.string().default("ghcr.io/acme/web:1.5.0").describe("image to release"),
    replicas: z.number().int().min(1).default(3),
    readyTimeout: z.string().default("3m").describe("how long staging may take to become ready"),
    repo: z.string().default("acme/web").describe("GitHub repository for the issue (owner/name)"),
  }),
  triggers: [webhook({ path: "promote", key: secret("PROMOTE_HOOK_KEY") }), manual()],
})
  // Fails early on a crash loop or an image that cannot be pulled; the gate below decides.
  .step("staging", kubectl.apply(({ inputs }) => ({ manifest: webManifest(inputs), cluster: "staging", waitUntilReady: inputs.readyTimeout })), { allowFailure: true })
  .step("deployment", kubectl.get(({ inputs }) => ({ kind: "Deployment", name: inputs.app, namespace: inputs.namespace, cluster: "staging" })))
  .step("pods", kubectl.get(({ inputs }) => ({ kind: "Pod", namespace: inputs.namespace, labelSelector: `app=${inputs.app}`, cluster: "staging" })))
  .step("summary", ({ steps }) => ({
    ready: steps.deployment.status?.readyReplicas ?? 0,
    desired: steps.deployment.spec?.replicas ?? 1,
    pods: steps.pods.items.map((p) => {
      const waiting = p.status?.containerStatuses?.flatMap((c) => (c.state?.waiting ? [`${c.name}: ${c.state.waiting.reason ?? "Waiting"} (restarts ${c.restartCount})`] : [])) ?? [];
      const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      return `${p.metadata?.name}: ${p.status?.phase}${ready ? ", Ready" : ", not Ready"}${waiting.length ? `; ${waiting.join("; ")}` : ""}`;
    }),
  }))
  .if(
    "gate",
    ({ steps }) => steps.summary.ready === steps.summary.desired,
    (then) => then.step("prod", kubectl.apply(({ inputs }) => ({ manifest: webManifest(inputs), cluster: "prod", waitUntilReady: inputs.readyTimeout }))),
    (otherwise) =>
      otherwise
        .step("issue", github.createIssue(({ inputs, steps, execution }) => ({
          repo: inputs.repo,
          title: `${inputs.image} not promoted: staging ${inputs.namespace}/${inputs.app} has ${steps.summary.ready}/${steps.summary.desired} ready`,
          body: [
            `Namespace: \`${inputs.namespace}\`, Deployment: \`${inputs.app}\`, image \`${inputs.image}\` (execution ${execution.id}).`,
            "",
            "Pods:",
            ...steps.summary.pods.map((p) => `- ${p}`),
          ].join("\n"),
          labels: ["release", "staging"],
        })))
        .step("stop", ({ steps, inputs }) => {
          throw new Error(`staging ${inputs.namespace}/${inputs.app} has ${steps.summary.ready}/${steps.summary.desired} ready replicas; not promoted (${steps.issue.url})`);
        }),
  );

if (demoRequested(import.meta)) await (await import("./demo/run.ts")).runDemo(promote, "promote");

export default main(import.meta, promote);
