/**
 * Reads bench/results/<bench>.json (the shape of bench/support/result.ts) and writes
 * bench/results/summary.json and summary.md: the table docs/performance.md shows (figure, value,
 * baseline, ratio, target, pass/fail) with the machine it ran on. Every file is written even when
 * a target is missed; the exit code is then 1 (and the misses are printed), so CI can fail on it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { join } from "node:path";
import { fmt, resultsDir, type BenchResult, type Figure } from "./support/result.js";

// The order the table lists them in; others follow alphabetically.
const ORDER = ["engine", "fanout", "logs", "emulator", "cold-start"];

const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith(".json") && f !== "summary.json") : [];
const results: BenchResult[] = [];
for (const f of files) {
  const r = JSON.parse(readFileSync(join(resultsDir, f), "utf8")) as Partial<BenchResult>;
  if (!Array.isArray(r.figures)) {
    console.warn(`skipping ${f}: not in the current result format (run that benchmark again)`);
    continue;
  }
  results.push(r as BenchResult);
}
const rank = (b: string) => (ORDER.includes(b) ? ORDER.indexOf(b) : ORDER.length);
results.sort((a, b) => rank(a.bench) - rank(b.bench) || a.bench.localeCompare(b.bench));

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  os: `${type()} ${release()}`,
  node: process.version,
  date: new Date().toISOString(),
  loadAtReport: Math.round(loadavg()[0]! * 100) / 100,
};
const failed = results.flatMap((r) => r.figures.filter((f) => f.pass === false).map((f) => ({ bench: r.bench, ...f })));
const summary = { machine, pass: failed.length === 0, benches: results.map(({ bench, date, node, cores, load, figures }) => ({ bench, date, node, cores, load, figures })) };
writeFileSync(join(resultsDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);

const cell = (s: string) => s.replace(/\|/g, "\\|");
const value = (f: Figure) => `${fmt(f.value)} ${f.unit}${f.detail ? ` (${f.detail})` : ""}`;
const baseline = (f: Figure) => (f.baseline ? `${f.baseline}${f.baselineValue !== undefined ? `: ${fmt(f.baselineValue)} ${f.unit}` : ""}` : "");
const ratio = (f: Figure) => (f.ratio === undefined ? "" : `${fmt(f.ratio)}${f.ratioNote ?? "×"}`);
const verdict = (f: Figure) => (f.pass === undefined ? "" : f.pass ? "pass" : "**FAIL**");
const lines = [
  `Machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}. Report written ${machine.date}.`,
  "",
  "| figure | value | baseline (same run) | ratio | target | result |",
  "| --- | ---: | --- | ---: | --- | --- |",
  ...results.flatMap((r) => r.figures.map((f) => `| ${cell(f.name)} | ${value(f)} | ${cell(baseline(f))} | ${ratio(f)} | ${cell(f.target?.text ?? "")} | ${verdict(f)} |`)),
  "",
  "Runs (1-minute load average when each finished; other work on the machine slows every figure):",
  "",
  ...results.map((r) => `- ${r.bench}: ${r.date}, load ${r.load}`),
  "",
  failed.length ? `Targets missed: ${failed.map((f) => f.name).join("; ")}.` : "Every target met.",
  "",
];
writeFileSync(join(resultsDir, "summary.md"), lines.join("\n"));
console.log(lines.join("\n"));
console.log(`wrote ${join(resultsDir, "summary.json")} and summary.md`);
if (failed.length) {
  for (const f of failed) console.error(`FAIL ${f.bench}: ${f.name}: ${value(f)} (target ${f.target?.text})`);
  process.exit(1);
}
