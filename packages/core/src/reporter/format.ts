/** Shared glyphs, colours and line formats for the terminal reporters. */
import pc from "picocolors";
import type { StepState } from "../engine/events.js";
import type { StepView } from "./model.js";
import { formatMs } from "../errors.js";

export const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function glyph(state: StepState, frame: number, allowed?: boolean): string {
  switch (state) {
    case "RUNNING":
      return pc.cyan(SPINNER[frame % SPINNER.length]!);
    case "SUCCESS":
      return pc.green("✔");
    case "FAILED":
      return allowed ? pc.yellow("!") : pc.red("✖");
    case "SKIPPED":
      return pc.dim("○");
    case "CANCELLED":
      return pc.yellow("■");
  }
}

export function stepLine(v: StepView, now: number, frame: number): string {
  const parts = [glyph(v.state, frame, v.allowed), v.state === "SKIPPED" ? pc.dim(v.id) : pc.bold(v.id)];
  if (v.task && v.task !== "function") parts.push(pc.dim(v.task));
  if (v.kind !== "step") parts.push(pc.dim(v.kind));
  if (v.items) {
    const finished = v.items.done.size + v.items.failed.size;
    let text = v.items.total === undefined ? `${finished} done` : `${finished}/${v.items.total} done`;
    if (v.items.running.size) text += `, ${v.items.running.size} running`;
    if (v.items.failed.size) text += `, ${pc.red(`${v.items.failed.size} failed`)}`;
    parts.push(text);
  }
  if (v.state === "RUNNING" && v.phase && !(v.retryAt && v.retryAt > now)) parts.push(pc.cyan(v.phase));
  if (v.state === "RUNNING" && v.retryAt && v.retryAt > now) parts.push(pc.yellow(`retry ${v.attempt + 1} in ${formatMs(v.retryAt - now)}`));
  else if (v.attempt > 1) parts.push(pc.yellow(`attempt ${v.attempt}`));
  if (v.state !== "SKIPPED") parts.push(pc.dim(formatMs(v.durationMs ?? now - v.startedAt)));
  if (v.state === "SKIPPED") parts.push(pc.dim("skipped"));
  if (v.allowed) parts.push(pc.yellow("failure allowed"));
  return parts.join(" ");
}

export function treeLines(roots: readonly StepView[], now: number, frame: number, depth = 0): string[] {
  const out: string[] = [];
  for (const v of roots) {
    out.push(`${"  ".repeat(depth + 1)}${stepLine(v, now, frame)}`);
    if (v.children.length) out.push(...treeLines(v.children, now, frame, depth + 1));
    if (v.state === "FAILED" && v.error && !v.children.length) out.push(`${"  ".repeat(depth + 2)}${pc.red(firstLine(v.error.message))}`);
  }
  return out;
}

export function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return i < 0 ? s : `${s.slice(0, i)} …`;
}

export function time(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}
