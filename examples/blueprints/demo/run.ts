/**
 * Runs one blueprint on its demo environment through the same CLI as `tsx flow.ts` (live view,
 * `--input`, `--output`, the execution record), then stops the environment. `runDemo` is what a
 * blueprint's `--demo` switch calls; `runOnDemo` is what examples/demo.ts runs four times.
 */
import { join } from "node:path";
import { ExecutionStore, runCli, type AnyFlow, type CliIO, type Execution } from "@capstan/core";
import type { DemoEnv } from "./env.ts";
import { startGpuDemo } from "./gpu.ts";
import { startPromoteDemo } from "./promote.ts";
import { startTenantsDemo } from "./tenants.ts";
import { startVaultDemo } from "./vault.ts";

export const demos = {
  "gpu-training": () => startGpuDemo(),
  "vault-rotation": () => startVaultDemo(),
  promote: () => startPromoteDemo(),
  "tenants-fleet": () => startTenantsDemo({ faulty: ["beta"] }),
} satisfies Record<string, () => Promise<DemoEnv>>;

export type DemoName = keyof typeof demos;

export interface DemoRun {
  code: number;
  execution: Execution | undefined;
  /** The execution record's file (JSON lines). */
  record: string | undefined;
}

/** The demo's inputs as `--input` flags, except those the user set. */
function inputFlags(inputs: Record<string, unknown>, argv: readonly string[]): string[] {
  const given = new Set(argv.flatMap((a, i) => (argv[i - 1] === "--input" || argv[i - 1] === "-i" ? [a.split("=")[0]] : [])));
  return Object.entries(inputs).flatMap(([k, v]) => (given.has(k) ? [] : ["--input", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`]));
}

export async function runOnDemo(flow: AnyFlow, name: DemoName, argv: readonly string[], options: { io?: CliIO; store?: ExecutionStore; flowFile?: string } = {}): Promise<DemoRun> {
  const io = options.io ?? { stdout: process.stdout, stderr: process.stderr };
  const env = await demos[name]();
  const store = options.store ?? new ExecutionStore();
  let execution: Execution | undefined;
  try {
    io.stderr.write(`demo: ${env.endpoints.join("; ")}\n`);
    const code = await runCli(flow, [...inputFlags(env.inputs, argv), ...argv], io, {
      services: env.services,
      secrets: env.secrets,
      store,
      onExecution: (ex) => (execution = ex),
      ...(options.flowFile ? { flowFile: options.flowFile } : {}),
    });
    return { code, execution, record: execution ? join(store.dir, `${execution.id}.jsonl`) : undefined };
  } finally {
    await env.close();
  }
}

/** The `--demo` switch of a blueprint file: run it on its demo environment, then exit with the run's code. */
export async function runDemo(flow: AnyFlow, name: DemoName): Promise<never> {
  const run = await runOnDemo(flow, name, process.argv.slice(2), { flowFile: process.argv[1] ?? "" });
  if (run.record) process.stdout.write(`execution record: ${run.record} (capstan executions show ${run.execution?.id})\n`);
  process.exit(run.code);
}
