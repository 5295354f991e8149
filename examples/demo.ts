/**
 * The demo: the four blueprints in sequence on embedded emulated Kubernetes clusters and local
 * fakes of Slack, Vault, GitHub, an inventory API and a model registry, with the live terminal
 * view. No cluster, network or token. Each run is recorded like any other (`.capstan/`).
 *
 *   npm run demo          # or: tsx examples/demo.ts [--output plain]
 */
import { ExecutionStore, type AnyFlow } from "@capstan/core";
import { gpuTraining } from "./blueprints/gpu-training.ts";
import { vaultRotation } from "./blueprints/vault-rotation.ts";
import { promote } from "./blueprints/promote.ts";
import { tenantsFleet } from "./blueprints/tenants-fleet.ts";
import { runOnDemo, type DemoName, type DemoRun } from "./blueprints/demo/run.ts";

const blueprints: [DemoName, AnyFlow, string, string][] = [
  ["gpu-training", gpuTraining, "examples/blueprints/gpu-training.ts", "a GPU pod trains on a dataset; model and metrics kept, registered, announced"],
  ["vault-rotation", vaultRotation, "examples/blueprints/vault-rotation.ts", "Vault rotates a credential; each Deployment is stamped and restarted until available"],
  ["promote", promote, "examples/blueprints/promote.ts", "staging gets the release; prod only if every replica is ready"],
  ["tenants-fleet", tenantsFleet, "examples/blueprints/tenants-fleet.ts", "three tenant clusters, two at a time; tenant beta is faulty and is rolled back alone"],
];

const argv = process.argv.slice(2);
const store = new ExecutionStore();
const t0 = Date.now();
const results: [DemoName, DemoRun][] = [];
for (const [name, flow, file, what] of blueprints) {
  process.stdout.write(`\n━━ ${name}: ${what}\n   (${file})\n`);
  results.push([name, await runOnDemo(flow, name, argv, { store, flowFile: file })]);
}

process.stdout.write(`\n━━ summary (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
for (const [name, run] of results) {
  process.stdout.write(`  ${name.padEnd(15)} ${(run.execution?.state ?? "NOT RUN").padEnd(8)} ${run.record ?? ""}\n`);
}
process.stdout.write(`\nInspect a run: npx capstan executions show <id>, npx capstan logs <id>. Run one against your cluster: tsx examples/blueprints/<name>.ts (see docs/blueprints.md).\n`);
process.exit(results.every(([, r]) => r.code === 0) ? 0 : 1);
