/**
 * `capstan cluster serve`: runs the emulated Kubernetes cluster of @capstan/testing as a standalone
 * server, so kubectl (or any client) can be pointed at it with the kubeconfig it writes. Runs until
 * SIGINT/SIGTERM, then closes cleanly and exits 0.
 */

import { readFile } from "node:fs/promises";
import { CapstanError } from "@capstan/core";
import { Command, Option } from "commander";
import type { CommandContext } from "../context.js";

interface ServeOptions {
  port?: string;
  kubeconfig?: string;
  seed: string[];
  kubeVersion: string;
  tls?: boolean;
  token?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Resolves on SIGINT/SIGTERM, or when `signal` aborts (tests stop the server that way). */
function untilSignal(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

export function clusterCommand(ctx?: CommandContext, stop?: AbortSignal): Command {
  const out = (s: string) => (ctx ? ctx.io.stdout.write(s) : process.stdout.write(s));
  const cluster = new Command("cluster").description("run an emulated Kubernetes cluster");
  cluster
    .command("serve")
    .description("serve the emulated cluster on 127.0.0.1 until interrupted")
    .option("--port <n>", "port to listen on (default: a free one)")
    .option("--kubeconfig <file>", "write a kubeconfig for kubectl / client-node to this file")
    .option("--seed <file.yaml>", "objects to create at start (multi-document YAML; repeatable)", collect, [])
    .addOption(new Option("--kube-version <v>", "Kubernetes version reported by /version (kubectl's dispatcher picks by it)").default("1.32"))
    .option("--tls", "serve https with a generated CA (the kubeconfig carries it)")
    .option("--token <token>", "require this bearer token (the kubeconfig carries it; kubectl sends it only over --tls)")
    .action(async (opts: ServeOptions) => {
      const seed = await Promise.all(opts.seed.map((f) => readFile(f, "utf8")));
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new CapstanError("CAPSTAN_USAGE", `--port must be a port number, got ${opts.port}`, { hint: "pass a number from 0 to 65535, or omit it for a free port", retryable: false });
      // Loaded here, not at the top: every other capstan command would otherwise pay for the emulator and client-node.
      const { mockCluster } = await import("@capstan/testing");
      const c = await mockCluster({
        kubeVersion: opts.kubeVersion,
        seed,
        ...(opts.tls ? { tls: true } : {}),
        ...(opts.token ? { token: opts.token } : {}),
        ...(port !== undefined ? { port } : {}),
      });
      try {
        if (opts.kubeconfig) await c.writeKubeconfig(opts.kubeconfig);
        out(`listening on ${c.url}\n`);
        if (opts.kubeconfig) out(`kubeconfig written to ${opts.kubeconfig} (kubectl --kubeconfig ${opts.kubeconfig} get pods)\n`);
        await untilSignal(stop);
      } finally {
        await c.close();
      }
      if (ctx) ctx.exitCode = 0;
    });
  return cluster;
}
