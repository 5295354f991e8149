/**
 * Cold start: how long until a flow file answers, and what importing @capstan/core costs.
 *   1. wall time of `tsx examples/<x>.ts --help` for every example with a main(), as a user types
 *      it (the tsx CLI, which starts a second node process for the loader); baseline: `tsx` of an
 *      empty .ts file (and `node -e 0` for the bare runtime). Target <= 1 s (median).
 *   2. `await import("@capstan/core")` timed inside a fresh `node --import tsx` process (before the
 *      import to after it); baseline: importing only zod (what every flow with inputs imports;
 *      core itself loads no zod). Also core imported after zod, as in a flow file. Target <= 100 ms.
 * Each case runs once to warm tsx's transform cache (so the figures are for a warm cache: every
 * run after the first on a machine), then RUNS times; median and p90 are reported. One run with a
 * fresh, empty cache is shown for hello.ts too (the first run after install).
 * Writes bench/results/cold-start.json. Run with `npm run bench -- cold-start`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { figure, fmt, writeResult, type Figure } from "./support/result.js";

const RUNS = Number(process.env.RUNS ?? 9);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsxCli = join(root, "node_modules", "tsx", "dist", "cli.mjs");
const EXAMPLES = ["hello", "integrations", "scheduled", "tenants", "blueprints/gpu-training", "blueprints/promote", "blueprints/tenants-fleet", "blueprints/vault-rotation"];

/** Runs a command to completion; returns its wall time in ms (it must exit 0). */
function wall(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return ms;
}

/** A number the command prints on stdout (a time measured inside the process). */
function printed(args: string[]): number {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return Number(r.stdout.trim().split("\n").pop());
}

function stats(sample: () => number): { median: number; p90: number; runs: number[] } {
  sample(); // warm-up: fills tsx's cache and the OS file cache
  const runs = Array.from({ length: RUNS }, sample).sort((a, b) => a - b);
  const at = (q: number) => runs[Math.min(runs.length - 1, Math.ceil(q * runs.length) - 1)]!;
  return { median: round(at(0.5)), p90: round(at(0.9)), runs: runs.map(round) };
}
const round = (x: number) => Math.round(x * 10) / 10;

const scratch = mkdtempSync(join(tmpdir(), "capstan-cold-"));
const empty = join(scratch, "empty.ts");
writeFileSync(empty, "export {};\n");

const nodeBare = stats(() => wall(["-e", "0"]));
const tsxEmpty = stats(() => wall([tsxCli, empty]));
const examples = EXAMPLES.map((x) => ({ example: x, ...stats(() => wall([tsxCli, `examples/${x}.ts`, "--help"])) }));

// The first run on a machine: tsx's cache (in the OS temp dir) starts empty.
const freshTmp = mkdtempSync(join(scratch, "tmp-"));
const helloFreshCache = round(wall([tsxCli, "examples/hello.ts", "--help"], { ...process.env, TMPDIR: freshTmp }));

const timedImport = (before: string, specifier: string) => [
  "--import",
  "tsx",
  "--input-type=module",
  "-e",
  `${before}const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`,
];
const zodImport = stats(() => printed(timedImport("", "zod")));
const coreImport = stats(() => printed(timedImport("", "@capstan/core")));
const coreAfterZod = stats(() => printed(timedImport('await import("zod"); ', "@capstan/core")));
rmSync(scratch, { recursive: true, force: true });

console.log(`cold start (node ${process.version}, ${RUNS} runs after a warm-up, tsx cache warm)`);
console.log(`  node -e 0: median ${nodeBare.median} ms; tsx empty.ts: median ${tsxEmpty.median} ms`);
for (const e of examples) console.log(`  tsx examples/${e.example}.ts --help: median ${e.median} ms, p90 ${e.p90} ms`);
console.log(`  hello.ts --help with an empty tsx cache: ${helloFreshCache} ms`);
console.log(`  import zod: ${zodImport.median} ms; import @capstan/core: ${coreImport.median} ms (p90 ${coreImport.p90}); core after zod: ${coreAfterZod.median} ms`);

const figures: Figure[] = [
  ...examples.map((e) =>
    figure({
      name: `tsx examples/${e.example}.ts --help (median)`,
      detail: `p90 ${fmt(e.p90)}`,
      value: e.median,
      unit: "ms",
      baseline: "tsx of an empty .ts file",
      baselineValue: tsxEmpty.median,
      ratio: round(e.median / tsxEmpty.median),
      target: { text: "≤ 1 s", value: { op: "<=", limit: 1000 } },
    }),
  ),
  figure({ name: "tsx examples/hello.ts --help, empty tsx cache (one run)", value: helloFreshCache, unit: "ms", baseline: "same, warm cache", baselineValue: examples[0]!.median, ratio: round(helloFreshCache / examples[0]!.median) }),
  figure({
    name: "import @capstan/core, timed in the process (median)",
    detail: `p90 ${fmt(coreImport.p90)}`,
    value: coreImport.median,
    unit: "ms",
    baseline: "import zod alone",
    baselineValue: zodImport.median,
    ratio: round(coreImport.median / zodImport.median),
    target: { text: "≤ 100 ms", value: { op: "<=", limit: 100 } },
  }),
  figure({ name: "import @capstan/core after zod (what core adds to a flow that imports zod; median)", value: coreAfterZod.median, unit: "ms", detail: `p90 ${fmt(coreAfterZod.p90)}` }),
  figure({ name: "node -e 0 (the runtime's own start)", value: nodeBare.median, unit: "ms" }),
];
writeResult("cold-start", figures, { runs: RUNS, tsxCache: "warm (one warm-up run per case)", nodeBare, tsxEmpty, examples, helloFreshCache, zodImport, coreImport, coreAfterZod });
