/**
 * `npm run chaos`: seeded runs of the blueprints and the every-task flow against emulated clusters
 * with injected faults; prints the report and writes it as JSON. Exit 1 on any violation.
 *
 *   npm run chaos                                  # 1,000 runs, seeds 1..1000
 *   npm run chaos -- --runs 1 --seed 417           # reproduce one run
 *   npm run chaos -- --scenario promote --runs 50  # one scenario
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { summarize, formatSummary } from "./report.ts";
import { runMany } from "./run.ts";
import { ALL_SCENARIOS } from "./scenarios/index.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    concurrency: { type: "string", default: "3" },
    scenario: { type: "string", multiple: true },
    json: { type: "string", default: join(import.meta.dirname, "results", "last.json") },
    verbose: { type: "boolean", short: "v", default: false },
  },
});

const runs = Number(values.runs);
const first = Number(values.seed);
const concurrency = Number(values.concurrency);
const unknown = (values.scenario ?? []).filter((n) => !ALL_SCENARIOS.some((s) => s.name === n));
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(first) || !Number.isInteger(concurrency) || concurrency < 1 || unknown.length) {
  console.error(unknown.length ? `unknown scenario ${unknown.join(", ")}; known: ${ALL_SCENARIOS.map((s) => s.name).join(", ")}` : "--runs, --seed and --concurrency take positive integers");
  process.exit(2);
}
const scenarios = values.scenario?.length ? ALL_SCENARIOS.filter((s) => values.scenario!.includes(s.name)) : ALL_SCENARIOS;
const seeds = Array.from({ length: runs }, (_, i) => first + i);
const started = Date.now();
let done = 0;
let violating = 0;
console.log(`chaos: ${runs} runs, seeds ${first}..${first + runs - 1}, scenarios ${scenarios.map((s) => s.name).join(", ")}, ${concurrency} at a time`);
const results = await runMany(seeds, scenarios, {
  concurrency,
  onResult: (r) => {
    done++;
    if (r.violations.length) violating++;
    if (values.verbose || r.violations.length) console.log(`  seed ${r.seed} ${r.scenario} ${r.state} ${r.durationMs}ms faults: ${r.faults.map((f) => `${f.class}×${f.fired}`).join(", ")}${r.violations.length ? `\n    ${r.violations.join("\n    ")}` : ""}`);
    if (done % 50 === 0 || done === runs) console.log(`  ${done}/${runs} runs, ${violating} with violations, ${((Date.now() - started) / 1000).toFixed(0)}s`);
  },
});
const summary = summarize(results);
const filter = values.scenario?.length ? values.scenario.map((n) => ` --scenario ${n}`).join("") : "";
console.log(`\n${formatSummary(summary, (seed) => `npm run chaos -- --runs 1 --seed ${seed}${filter}`)}`);
console.log(`\nwall time ${((Date.now() - started) / 1000).toFixed(0)}s`);
await mkdir(dirname(values.json), { recursive: true });
await writeFile(values.json, JSON.stringify({ date: new Date().toISOString(), wallMs: Date.now() - started, concurrency, ...summary, results }, null, 1));
console.log(`report: ${values.json}`);
process.exit(summary.violations ? 1 : 0);
