/** `capstan executions`: the recorded history, and `executions show <id>` for one execution. */
import { Command, Option } from "commander";
import { styleText } from "node:util";
import { ExecutionStore, type ExecutionSummary, type StoredExecution, type StoredState, type TriggerInfo } from "@capstan/core";
import type { CommandContext } from "../context.js";

const STATES = ["QUEUED", "RUNNING", "SUCCESS", "FAILED", "CANCELLED", "INTERRUPTED"];

export function executionsCommand(ctx: CommandContext): Command {
  const cmd = new Command("executions")
    .description("list recorded executions, newest first (store: .capstan/ or $CAPSTAN_HOME)")
    .option("--flow <id>", "only this flow's executions")
    .addOption(new Option("--state <state>", "only executions in this state").choices(STATES))
    .option("-n, --limit <n>", "at most this many", (v) => Number(v))
    .option("--json", "print JSON")
    .action(async (opts: { flow?: string; state?: StoredState; limit?: number; json?: boolean }) => {
      const store = new ExecutionStore();
      const list = await store.list({ ...(opts.flow ? { flowId: opts.flow } : {}), ...(opts.state ? { state: opts.state } : {}), ...(opts.limit ? { limit: opts.limit } : {}) });
      if (opts.json) return void ctx.io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (!list.length) return void ctx.io.stdout.write(`no executions${opts.flow || opts.state ? " match" : ` recorded in ${store.home}`}\n`);
      ctx.io.stdout.write(table(["ID", "FLOW", "STATE", "TRIGGER", "STARTED", "DURATION"], list.map(row)));
    })
    // Set before adding `show`: subcommands copy it when created.
    .exitOverride();
  cmd
    .command("show")
    .description("one execution: inputs, trigger, steps with attempts, timings and outputs, errors")
    .argument("<id>", "execution id (or a unique prefix)")
    .option("--json", "print the whole record as JSON")
    .action(async (id: string, _opts: unknown, self: Command) => {
      // --json may land on `executions` itself (its option of the same name).
      const json = self.optsWithGlobals<{ json?: boolean }>().json === true;
      const ex = await new ExecutionStore().get(id);
      ctx.io.stdout.write(json ? `${JSON.stringify(ex, null, 2)}\n` : show(ex, useColor(ctx)));
    });
  return cmd;
}

function row(s: ExecutionSummary): string[] {
  return [s.id, s.flowId, s.state, triggerText(s.trigger), new Date(s.createdAt).toISOString(), s.durationMs === undefined ? "" : ms(s.durationMs)];
}

export function triggerText(t: TriggerInfo): string {
  switch (t.type) {
    case "manual":
      return `manual (${t.via})`;
    case "schedule":
      return `schedule ${t.scheduledAt}${t.catchUp ? " (catch-up)" : ""}`;
    case "webhook":
      return `webhook /${t.path}`;
    case "after":
      return `after ${t.flowId} ${t.state.toLowerCase()} (${t.executionId.slice(0, 8)})`;
    case "restart":
      return `restart of ${t.executionId.slice(0, 8)} from ${t.from}`;
  }
}

function show(ex: StoredExecution, color: boolean): string {
  const c = colors(color);
  const lines = [
    `${c.bold(ex.flowId)} ${stateText(ex.state, c)}  execution ${ex.id}`,
    `  trigger   ${triggerText(ex.trigger)}`,
    `  created   ${new Date(ex.createdAt).toISOString()}`,
  ];
  if (ex.startedAt !== undefined) lines.push(`  started   ${new Date(ex.startedAt).toISOString()}`);
  if (ex.endedAt !== undefined) lines.push(`  ended     ${new Date(ex.endedAt).toISOString()}${ex.durationMs !== undefined ? ` (${ms(ex.durationMs)})` : ""}`);
  if (ex.runs > 1) lines.push(`  runs      ${ex.runs} (resumed ${ex.runs - 1}×)`);
  if (ex.flowFile) lines.push(`  file      ${ex.flowFile}`);
  lines.push(`  inputs    ${JSON.stringify(ex.inputs)}`);
  if (Object.keys(ex.labels).length) lines.push(`  labels    ${Object.entries(ex.labels).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  if (ex.torn) lines.push(c.yellow("  (the record's last line was cut short by a crash and was dropped)"));
  const steps = Object.values(ex.steps);
  if (steps.length) {
    lines.push("", "steps:");
    const rows = steps.map((s) => [
      s.state,
      s.path,
      s.attempts > 1 ? `${s.attempts} attempts` : s.resumed ? "reused" : "",
      s.durationMs === undefined ? "" : ms(s.durationMs),
      s.error ? `${s.error.code}: ${s.error.message}` : s.items ? `${s.items.succeeded}/${s.items.total} items ok${s.items.failed ? `, ${s.items.failed} failed` : ""}` : s.output === undefined ? "" : clip(JSON.stringify(s.output), 80),
    ]);
    lines.push(table(["STATE", "STEP", "ATTEMPTS", "DURATION", "OUTPUT / ERROR"], rows).trimEnd().replace(/^/gm, "  "));
  }
  if (ex.outputs !== undefined) lines.push("", `outputs: ${clip(JSON.stringify(ex.outputs), 2000)}`);
  if (ex.error) {
    lines.push("", c.red(`${ex.error.stepPath ? `step ${ex.error.stepPath} failed: ` : ""}${ex.error.code}: ${ex.error.message}`));
    if (ex.error.hint) lines.push(c.dim(`hint: ${ex.error.hint}`));
  }
  if (ex.state === "INTERRUPTED") lines.push("", c.yellow(`interrupted: continue it with \`capstan resume ${ex.id}\``));
  lines.push(c.dim(`${ex.logs.length} log line${ex.logs.length === 1 ? "" : "s"}: capstan logs ${ex.id}`));
  return `${lines.join("\n")}\n`;
}

function stateText(state: StoredState, c: Colors): string {
  return state === "SUCCESS" ? c.green(state) : state === "FAILED" ? c.red(state) : c.yellow(state);
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return `${[fmt(head), ...rows.map(fmt)].join("\n")}\n`;
}

export function ms(n: number): string {
  if (n < 1000) return `${Math.round(n)}ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(1)}s`;
  const m = Math.floor(n / 60_000);
  return m < 60 ? `${m}m${Math.round((n % 60_000) / 1000)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

function clip(s: string | undefined, max: number): string {
  if (s === undefined) return "";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

type Style = "bold" | "dim" | "red" | "green" | "yellow";
export type Colors = Record<Style, (s: string) => string>;

export function colors(enabled: boolean): Colors {
  const paint = (style: Style) => (s: string) => (enabled ? styleText(style, s, { validateStream: false }) : s);
  return { bold: paint("bold"), dim: paint("dim"), red: paint("red"), green: paint("green"), yellow: paint("yellow") };
}

export function useColor(ctx: CommandContext): boolean {
  return Boolean(ctx.io.stdout.isTTY) && !process.env.NO_COLOR && !process.env.CI;
}
