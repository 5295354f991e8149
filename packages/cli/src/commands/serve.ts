/**
 * `capstan serve <dir or files>`: loads flows and runs their triggers (schedules, webhooks, after,
 * keyed manual) until SIGTERM/SIGINT, then shuts down gracefully: no new work, running executions
 * get `--grace` to finish, the rest are left resumable with `capstan resume`.
 */
import { Command } from "commander";
import { CapstanError, EXIT, ExecutionStore, loadServices, toMs } from "@capstan/core";
import { loadFlows, serve, type ConcurrencyLimit } from "@capstan/server";
import type { CommandContext } from "../context.js";

interface ServeFlags {
  port: string;
  host: string;
  concurrency: string[];
  grace: string;
  services?: string;
}

export function serveCommand(ctx: CommandContext): Command {
  return new Command("serve")
    .description("run flows' triggers: cron schedules, webhooks (POST /webhooks/<path>), after-flow chaining")
    .argument("<paths...>", "flow files, or directories of them")
    .option("-p, --port <port>", "HTTP port for webhooks (0: any free port)", "8080")
    .option("--host <host>", "address to listen on; the default keeps webhooks on this machine", "127.0.0.1")
    .option("--concurrency <limit>", "per-flow limit: <flow>=<n>[:queue|cancel|fail], or <n>[:policy] for every flow (repeatable; default policy queue)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("--grace <duration>", "how long shutdown waits for running executions", "30s")
    .option("--services <file>", "integration settings for every run (as for run)")
    .action(async (paths: string[], flags: ServeFlags) => {
      const log = (line: string) => ctx.io.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const { limits, fallback } = parseConcurrency(flags.concurrency);
      const flows = await loadFlows(paths);
      const server = await serve({
        flows,
        store: new ExecutionStore(),
        host: flags.host,
        port: Number(flags.port),
        shutdownGraceMs: toMs(flags.grace, "--grace"),
        concurrency: limits,
        ...(fallback ? { defaultConcurrency: fallback } : {}),
        ...(flags.services ? { services: await loadServices(flags.services) } : {}),
        log,
      });
      ctx.io.stdout.write(`capstan serve: listening on ${server.url}\n`);
      for (const { flow } of flows) {
        const triggers = (flow.meta.triggers ?? []).map((t) => (t.type === "schedule" ? `schedule "${t.cron}"${t.timezone ? ` ${t.timezone}` : ""}` : t.type === "webhook" ? `webhook POST /webhooks/${t.path}` : t.type === "after" ? `after ${t.flowId} (${t.on})` : t.key ? `manual POST /flows/${flow.id}/executions` : "manual"));
        ctx.io.stdout.write(`  ${flow.id}: ${triggers.join(", ") || "no triggers"}\n`);
      }
      for (const n of server.scheduler.next()) if (n.at) ctx.io.stdout.write(`  next ${n.flowId} run at ${n.at.toISOString()}\n`);
      const signals = ctx.io.signals ?? process;
      await new Promise<void>((resolve) => {
        const stop = () => {
          signals.off("SIGTERM", stop);
          signals.off("SIGINT", stop);
          const running = server.runner.running();
          log(`shutting down: no new executions; waiting up to ${flags.grace} for ${running} running`);
          void server.shutdown().then(({ finished, suspended }) => {
            log(`stopped: ${finished} finished${suspended.length ? `, ${suspended.length} left resumable: ${suspended.map((id) => `capstan resume ${id}`).join("; ")}` : ""}`);
            // Executions left behind still hold timers and sockets: end the process so they stop
            // here, where nothing records them any more, and can be resumed elsewhere.
            if (suspended.length) process.exit(EXIT.ok);
            resolve();
          });
        };
        signals.on("SIGTERM", stop);
        signals.on("SIGINT", stop);
      });
    });
}

export function parseConcurrency(specs: readonly string[]): { limits: Record<string, ConcurrencyLimit>; fallback?: ConcurrencyLimit } {
  const limits: Record<string, ConcurrencyLimit> = {};
  let fallback: ConcurrencyLimit | undefined;
  for (const spec of specs) {
    const m = /^(?:([A-Za-z][\w.-]*)=)?(\d+)(?::(queue|cancel|fail))?$/.exec(spec);
    if (!m || Number(m[2]) < 1) {
      throw new CapstanError("CAPSTAN_USAGE", `--concurrency ${spec}: expected <flow>=<n>[:queue|cancel|fail] or <n>[:policy], n >= 1`, { retryable: false });
    }
    const limit: ConcurrencyLimit = { limit: Number(m[2]), onLimit: (m[3] ?? "queue") as ConcurrencyLimit["onLimit"] };
    if (m[1]) limits[m[1]] = limit;
    else fallback = limit;
  }
  return fallback ? { limits, fallback } : { limits };
}
