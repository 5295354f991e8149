import { Command, Option } from "commander";
import { loadFlow } from "../load.js";
import type { CommandContext } from "../context.js";

export function graphCommand(ctx: CommandContext): Command {
  return new Command("graph")
    .description("print a flow's DAG without running it")
    .argument("<file>", "a .ts file that exports a flow")
    .addOption(new Option("-f, --format <format>", "output format").choices(["mermaid", "dot", "json"]).default("mermaid"))
    .option("--flow <name>", "which flow, when the file exports several")
    .action(async (file: string, opts: { format: "mermaid" | "dot" | "json"; flow?: string }) => {
      const flow = await loadFlow(file, opts.flow);
      const out = opts.format === "json" ? `${JSON.stringify(flow.graph(), null, 2)}\n` : flow.graph(opts.format);
      ctx.io.stdout.write(out);
    });
}
