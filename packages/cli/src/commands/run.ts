import { Command } from "commander";
import { addRunOptions, runWithFlags, type RunFlags } from "@capstan/core";
import { loadFlow } from "../load.js";
import type { CommandContext } from "../context.js";

export function runCommand(ctx: CommandContext): Command {
  return addRunOptions(new Command("run"))
    .description("run a flow file in-process with a live view; exit 0 success, 1 failure, 130 cancelled")
    .argument("<file>", "a .ts file that exports a flow")
    .option("--flow <name>", "which flow, when the file exports several (export name or flow id)")
    .action(async (file: string, flags: RunFlags & { flow?: string }, cmd: Command) => {
      const flow = await loadFlow(file, flags.flow);
      // `--debug` may be taken by the program-level option of the same name: honour either.
      const debug = Boolean(flags.debug || cmd.optsWithGlobals<{ debug?: boolean }>().debug);
      ctx.exitCode = await runWithFlags(flow, { ...flags, debug }, ctx.io, { flowFile: file });
    });
}
