import { Command } from "commander";
import { CapstanError, type GraphNodeJSON } from "@capstan/core";
import { loadFlow } from "../load.js";
import type { CommandContext } from "../context.js";

export function validateCommand(ctx: CommandContext): Command {
  return new Command("validate")
    .description("check flow definitions (ids, needs, cycles, options) without running anything")
    .argument("<files...>", ".ts files that export flows")
    .option("--flow <name>", "which flow, when a file exports several")
    .action(async (files: string[], opts: { flow?: string }) => {
      let bad = 0;
      for (const file of files) {
        try {
          const flow = await loadFlow(file, opts.flow);
          const g = flow.graph();
          ctx.io.stdout.write(`✔ ${file}: flow "${g.id}" is valid (${count(g.nodes) + count(g.errors ?? []) + count(g.finally ?? [])} nodes)\n`);
        } catch (e) {
          bad++;
          ctx.io.stdout.write(`✖ ${file}: ${e instanceof CapstanError ? e.format() : (e as Error).message}\n`);
        }
      }
      ctx.exitCode = bad ? 1 : 0;
    });
}

function count(nodes: GraphNodeJSON[]): number {
  let n = 0;
  for (const node of nodes) {
    n++;
    for (const list of [node.body, node.errors, node.then, node.else, ...Object.values(node.branches ?? {})]) if (list) n += count(list);
  }
  return n;
}
