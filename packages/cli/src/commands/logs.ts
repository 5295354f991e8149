/** `capstan logs <id>`: an execution's log lines, by step, and `--follow` while it runs. */
import { Command } from "commander";
import { ExecutionStore, type StoredLog } from "@capstan/core";
import type { CommandContext } from "../context.js";
import { colors, useColor } from "./executions.js";

export function logsCommand(ctx: CommandContext): Command {
  return new Command("logs")
    .description("print an execution's log; --follow keeps printing until it ends")
    .argument("<id>", "execution id (or a unique prefix)")
    .option("--step <step>", "only this step's lines: an id (`deploy`, every item's) or a path (`rollout[2].deploy`)")
    .option("-f, --follow", "wait for new lines until the execution ends")
    .option("--json", "one JSON line per log line")
    .action(async (id: string, opts: { step?: string; follow?: boolean; json?: boolean }) => {
      const store = new ExecutionStore();
      const print = printer(ctx, opts.json === true);
      const wanted = (l: StoredLog) => opts.step === undefined || matchesStep(l, opts.step);
      if (!opts.follow) {
        for (const l of (await store.get(id)).logs) if (wanted(l)) print(l);
        return;
      }
      const stop = new AbortController();
      const signals = ctx.io.signals ?? process;
      const onSignal = () => stop.abort();
      signals.on("SIGINT", onSignal);
      try {
        for await (const line of store.follow(id, { signal: stop.signal })) {
          if (line.type === "log" && wanted(line)) print(line);
        }
      } finally {
        signals.off("SIGINT", onSignal);
      }
    });
}

/** A step id matches its lines in every forEach item and arm; a path matches that step and what is inside it. */
export function matchesStep(l: Pick<StoredLog, "path" | "stepId">, step: string): boolean {
  return l.stepId === step || l.path === step || l.path.startsWith(`${step}.`) || l.path.startsWith(`${step}[`);
}

function printer(ctx: CommandContext, json: boolean): (l: StoredLog) => void {
  const c = colors(useColor(ctx));
  const level = { debug: c.dim, info: (s: string) => s, warn: c.yellow, error: c.red };
  return (l) => {
    if (json) {
      ctx.io.stdout.write(`${JSON.stringify({ time: new Date(l.time).toISOString(), path: l.path, level: l.level, message: l.message, ...(l.fields ? { fields: l.fields } : {}) })}\n`);
      return;
    }
    const fields = l.fields ? ` ${c.dim(JSON.stringify(l.fields))}` : "";
    ctx.io.stdout.write(`${c.dim(new Date(l.time).toISOString())} ${level[l.level](l.level.toUpperCase().padEnd(5))} [${l.path}] ${l.message}${fields}\n`);
  };
}
