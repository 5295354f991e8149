/**
 * The `capstan` program: `run`, `graph`, `validate`, `cluster serve`, the execution history
 * (`executions`, `logs`, `resume`, `restart`) and `serve` for triggers. Returns the exit code;
 * errors print as `error: CODE: message` plus a hint, with the stack only under --debug.
 */
import { Command, CommanderError } from "commander";
import { EXIT, formatError, CapstanError, type CliIO } from "@capstan/core";
import type { CommandContext } from "./context.js";
import { runCommand } from "./commands/run.js";
import { graphCommand } from "./commands/graph.js";
import { validateCommand } from "./commands/validate.js";
import { executionsCommand } from "./commands/executions.js";
import { logsCommand } from "./commands/logs.js";
import { resumeCommand } from "./commands/resume.js";
import { restartCommand } from "./commands/restart.js";
import { serveCommand } from "./commands/serve.js";
import { clusterCommand } from "./commands/cluster.js";

export function program(ctx: CommandContext): Command {
  const root = new Command("capstan")
    .description("Typed, code-first Kubernetes orchestration: run, inspect and validate flows")
    .option("--debug", "print stack traces of errors")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) });
  for (const cmd of [runCommand(ctx), graphCommand(ctx), validateCommand(ctx), executionsCommand(ctx), logsCommand(ctx), resumeCommand(ctx), restartCommand(ctx), serveCommand(ctx), clusterCommand(ctx)]) root.addCommand(cmd.exitOverride());
  return root;
}

export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const ctx: CommandContext = { io, exitCode: 0 };
  try {
    await program(ctx).parseAsync(argv as string[], { from: "user" });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.stderr.write(`${formatError(e, argv.includes("--debug"))}\n`);
    return e instanceof CapstanError && e.code === "CAPSTAN_USAGE" ? EXIT.usage : EXIT.failed;
  }
}
