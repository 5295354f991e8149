/**
 * The shape every benchmark writes to bench/results/<bench>.json, which bench/report.ts turns into
 * summary.json and the Markdown table of docs/performance.md. A figure is one measured number, what
 * it is compared with (a baseline measured in the same run), and the target it must meet.
 */
import { cpus, loadavg } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Op = "<=" | "<" | ">=" | ">" | "=";

/** One comparison: `actual op limit`. */
export interface Check {
  op: Op;
  limit: number;
}

export interface Target {
  /** As the issue states it, e.g. "≤ 5 µs/step and ≤ 5× the loop". */
  text: string;
  /** Checked against the figure's value... */
  value?: Check;
  /** ...and/or its ratio to the baseline. */
  ratio?: Check;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Shown after the value, e.g. "p90 812 ms". */
  detail?: string;
  /** What the figure is compared with, measured in the same run. */
  baseline?: string;
  baselineValue?: number;
  /** value / baselineValue unless `ratioNote` says otherwise (e.g. "× faster"). */
  ratio?: number;
  ratioNote?: string;
  /** No target: the figure is shown for context (pass is then undefined). */
  target?: Target;
  pass?: boolean;
}

export interface BenchResult {
  bench: string;
  date: string;
  node: string;
  cores: number;
  /** 1-minute load average when the bench finished: other work on the machine skews figures. */
  load: number;
  figures: Figure[];
  /** Everything else the bench measured (its own format). */
  details: unknown;
}

const holds = (actual: number, { op, limit }: Check): boolean =>
  op === "<=" ? actual <= limit : op === "<" ? actual < limit : op === ">=" ? actual >= limit : op === ">" ? actual > limit : actual === limit;

/** A figure with its pass/fail worked out from its target. */
export function figure(f: Omit<Figure, "pass">): Figure {
  if (!f.target) return f;
  const checks: boolean[] = [];
  if (f.target.value) checks.push(holds(f.value, f.target.value));
  if (f.target.ratio) checks.push(f.ratio !== undefined && holds(f.ratio, f.target.ratio));
  return { ...f, pass: checks.every(Boolean) };
}

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

/** Writes bench/results/<bench>.json and prints each figure; returns whether every target was met. */
export function writeResult(bench: string, figures: Figure[], details: unknown): boolean {
  const result: BenchResult = {
    bench,
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    load: Math.round(loadavg()[0]! * 100) / 100,
    figures,
    details,
  };
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${bench}.json`);
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const f of figures) console.log(`  ${f.pass === undefined ? "    " : f.pass ? "PASS" : "FAIL"} ${f.name}: ${fmt(f.value)} ${f.unit}${f.target ? ` (target ${f.target.text})` : ""}`);
  console.log(`wrote ${out}`);
  return figures.every((f) => f.pass !== false);
}

/** A number as the table shows it: thousands separated, at most 3 significant decimals. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}
