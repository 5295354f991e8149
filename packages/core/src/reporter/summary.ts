/** The end-of-run summary: each top-level step's state and duration, and the failure with its hint. */
import pc from "picocolors";
import type { Execution } from "../engine/records.js";
import { formatMs } from "../errors.js";
import { glyph } from "./format.js";

export function summary(ex: Execution, color = true, steps = true): string {
  const c = color ? pc : pc.createColors(false);
  const lines: string[] = [];
  const state = ex.state === "SUCCESS" ? c.green(ex.state) : ex.state === "FAILED" ? c.red(ex.state) : c.yellow(ex.state);
  lines.push(`${c.bold(ex.flowId)} ${state} in ${formatMs(ex.durationMs)}  ${c.dim(`execution ${ex.id}`)}`);
  for (const r of steps ? Object.values(ex.steps) : []) {
    const depth = Math.ceil((r.path.split(".").length - 1) / 2);
    let line = `${"  ".repeat(depth + 1)}${color ? glyph(r.state, 0, r.allowed) : r.state.padEnd(9)} ${r.path}`;
    if (r.state !== "SKIPPED" && r.durationMs !== undefined) line += c.dim(` ${formatMs(r.durationMs)}`);
    if (r.attempts > 1) line += c.yellow(` (${r.attempts} attempts)`);
    if (r.items) line += ` ${r.items.succeeded}/${r.items.total} items ok${r.items.failed ? c.red(`, ${r.items.failed} failed`) : ""}`;
    if (r.allowed) line += c.yellow(" failure allowed");
    lines.push(line);
  }
  if (ex.error) {
    lines.push("");
    lines.push(c.red(`${ex.error.stepPath ? `step ${ex.error.stepPath} failed: ` : ""}${ex.error.code}: ${ex.error.message}`));
    if (ex.error.hint) lines.push(c.dim(`hint: ${ex.error.hint}`));
  }
  return lines.join("\n");
}
