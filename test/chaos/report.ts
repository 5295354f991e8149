/** The chaos run's report: per scenario, per fault class, and each violation with its seed. */
import { FAULT_CLASSES, FAULT_MEANING } from "./faults.ts";
import type { RunResult } from "./run.ts";

export interface ChaosSummary {
  runs: number;
  seeds: { first: number; last: number };
  violations: number;
  scenarios: Record<string, { runs: number; violating: number; meanMs: number }>;
  faults: Record<string, { planned: number; firedRuns: number; fired: number }>;
  logLines: number;
  pods: number;
  failures: { seed: number; scenario: string; faults: string[]; violations: string[] }[];
}

export function summarize(results: readonly RunResult[]): ChaosSummary {
  const scenarios: ChaosSummary["scenarios"] = {};
  const faults: ChaosSummary["faults"] = Object.fromEntries(FAULT_CLASSES.map((c) => [c, { planned: 0, firedRuns: 0, fired: 0 }]));
  for (const r of results) {
    const s = (scenarios[r.scenario] ??= { runs: 0, violating: 0, meanMs: 0 });
    s.meanMs = (s.meanMs * s.runs + r.durationMs) / (s.runs + 1);
    s.runs++;
    if (r.violations.length) s.violating++;
    for (const f of r.faults) {
      const row = faults[f.class]!;
      row.planned++;
      row.fired += f.fired;
      if (f.fired) row.firedRuns++;
    }
  }
  const seeds = results.map((r) => r.seed);
  return {
    runs: results.length,
    seeds: { first: Math.min(...seeds), last: Math.max(...seeds) },
    violations: results.reduce((n, r) => n + r.violations.length, 0),
    scenarios,
    faults,
    logLines: results.reduce((n, r) => n + r.logLines, 0),
    pods: results.reduce((n, r) => n + r.pods, 0),
    failures: results.filter((r) => r.violations.length).map((r) => ({ seed: r.seed, scenario: r.scenario, faults: r.faults.map((f) => `${f.description} (fired ${f.fired})`), violations: r.violations })),
  };
}

export function formatSummary(s: ChaosSummary, reproduce: (seed: number) => string): string {
  const out: string[] = [];
  out.push(`${s.runs} runs (seeds ${s.seeds.first}..${s.seeds.last}), ${s.violations} violations`, "");
  out.push(`${"scenario".padEnd(16)} ${"runs".padStart(5)} ${"violating".padStart(9)} ${"mean ms".padStart(8)}`);
  for (const [name, r] of Object.entries(s.scenarios).sort()) out.push(`${name.padEnd(16)} ${String(r.runs).padStart(5)} ${String(r.violating).padStart(9)} ${String(Math.round(r.meanMs)).padStart(8)}`);
  out.push("", `${"fault".padEnd(13)} ${"planned".padStart(7)} ${"hit runs".padStart(8)} ${"fired".padStart(6)}  what`);
  for (const [name, f] of Object.entries(s.faults)) out.push(`${name.padEnd(13)} ${String(f.planned).padStart(7)} ${String(f.firedRuns).padStart(8)} ${String(f.fired).padStart(6)}  ${FAULT_MEANING[name as keyof typeof FAULT_MEANING]}`);
  out.push("", `container log lines checked: ${s.logLines}; pods Capstan created: ${s.pods}`);
  for (const f of s.failures) {
    out.push("", `VIOLATION seed ${f.seed} (${f.scenario}); faults: ${f.faults.join("; ")}`);
    for (const v of f.violations) out.push(`  - ${v}`);
    out.push(`  reproduce: ${reproduce(f.seed)}`);
  }
  return out.join("\n");
}
