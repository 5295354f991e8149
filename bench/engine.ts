/**
 * Engine overhead, measured against hand-written async loops doing the same work in the same run:
 *   1. a 10,000-step sequential flow (each step reads the previous step's output) vs a for-loop
 *   2. a 100,000-item forEach at concurrency 100 vs a pool of 100 async workers
 * Prints µs per step, the ratio to the loop, and heap growth (after GC) beyond the results;
 * writes bench/results/engine.json. Run with `npm run bench -- engine` (node --expose-gc).
 *
 * The "work" of a step is what a cheap task does: await once (a resolved I/O call) and build a
 * small object from its input. Real tasks take milliseconds; this keeps the engine's own cost visible.
 */
import { flow } from "@capstan/core";
import { figure, writeResult } from "./support/result.js";

type Out = { n: number; tag: string };
const work = async (prev: Out | undefined, i: number): Promise<Out> => {
  await Promise.resolve();
  return { n: (prev?.n ?? 0) + i, tag: "ok" };
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with node --expose-gc (npm run bench does)");
  process.exit(2);
}
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const now = () => performance.now();

async function sequential(steps: number) {
  // Built in a loop, so typed loosely here; user flows are typed step by step.
  let f: any = flow({ id: "bench-seq" });
  f = f.step("s0", () => work(undefined, 0));
  for (let i = 1; i < steps; i++) {
    const prev = `s${i - 1}`;
    f = f.step(`s${i}`, ({ steps: s }: { steps: Record<string, Out> }) => work(s[prev], i));
  }
  f.validate();

  const loop = async () => {
    const outputs: Record<string, Out> = {};
    let prev: Out | undefined;
    for (let i = 0; i < steps; i++) outputs[`s${i}`] = prev = await work(prev, i);
    return outputs;
  };
  const engine = async () => {
    const ex = await f.run();
    if (ex.state !== "SUCCESS") throw new Error(`bench flow failed: ${ex.error?.message}`);
    return ex;
  };
  return compare("sequential", steps, loop, engine);
}

async function fanOut(items: number, concurrency: number) {
  const list = Array.from({ length: items }, (_, i) => i);
  const f = flow({ id: "bench-fanout" }).forEach("each", list, { concurrency }, (b) => b.step("work", ({ item }) => work(undefined, item)));
  f.validate();
  const loop = async () => {
    const results = new Array<{ work: Out }>(items);
    let next = 0;
    const worker = async () => {
      while (next < items) {
        const i = next++;
        results[i] = { work: await work(undefined, list[i]!) };
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return results;
  };
  const engine = async () => {
    const ex = await f.run();
    if (ex.state !== "SUCCESS") throw new Error(`bench flow failed: ${ex.error?.message}`);
    return ex;
  };
  return compare(`forEach x${concurrency}`, items, loop, engine);
}

/** Alternates loop and engine runs (after a warm-up) and keeps the best of each. */
async function compare(name: string, n: number, loop: () => Promise<unknown>, engine: () => Promise<unknown>) {
  await loop();
  await engine();
  let bestLoop = Infinity;
  let bestEngine = Infinity;
  let loopRetained = 0;
  let engineRetained = 0;
  for (let round = 0; round < 9; round++) {
    bestLoop = Math.min(bestLoop, await timed(loop));
    bestEngine = Math.min(bestEngine, await timed(engine));
  }
  loopRetained = await retainedBy(loop);
  engineRetained = await retainedBy(engine);
  return {
    name,
    n,
    loopMs: round2(bestLoop),
    engineMs: round2(bestEngine),
    usPerStep: round2((bestEngine * 1000) / n),
    loopUsPerStep: round2((bestLoop * 1000) / n),
    ratio: round2(bestEngine / bestLoop),
    // Both sides keep their results; the difference is what the engine keeps beyond them.
    heapBeyondResultsBytesPerStep: Math.round((engineRetained - loopRetained) / n),
    heapLoopResultsMB: round2(loopRetained / 2 ** 20),
    heapEngineMB: round2(engineRetained / 2 ** 20),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = now();
  await fn();
  return now() - t;
}

/** Heap kept alive by fn's result, after full GCs; in its own frame so no stale reference skews it. */
async function retainedBy(fn: () => Promise<unknown>): Promise<number> {
  const before = heap();
  const result = await fn();
  const after = heap();
  if (result === undefined) throw new Error("no result");
  return after - before;
}
const round2 = (x: number) => Math.round(x * 100) / 100;

const results = [await sequential(10_000), await fanOut(10_000, 100), await fanOut(100_000, 100)];
const target = { usPerStep: 5, ratio: 5 };
console.log(`engine benchmark (node ${process.version}, ${process.arch})`);
console.log("case               steps    loop ms  engine ms  µs/step  ratio  heap beyond results");
for (const r of results) {
  console.log(
    `${r.name.padEnd(17)} ${String(r.n).padStart(7)} ${r.loopMs.toFixed(1).padStart(9)} ${r.engineMs.toFixed(1).padStart(10)} ${r.usPerStep.toFixed(2).padStart(8)} ${r.ratio.toFixed(2).padStart(6)}x  ${r.heapBeyondResultsBytesPerStep} B/step (engine ${r.heapEngineMB} MB, loop ${r.heapLoopResultsMB} MB)`,
  );
}
const [seq, small, big] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
// Memory must not grow with item count beyond the results: compare bytes kept per item at 10k and 100k.
const growth = { bytesPerItem10k: small.heapBeyondResultsBytesPerStep, bytesPerItem100k: big.heapBeyondResultsBytesPerStep };
// The targets apply to the two cases the issue names (10k sequential, 100k forEach); 10k forEach is shown for the trend.
const pass = [seq, big].every((r) => r.usPerStep <= target.usPerStep && r.ratio <= target.ratio) && Math.abs(growth.bytesPerItem100k) < 64;
console.log(`target (10k sequential and 100k forEach): <= ${target.usPerStep} µs/step, <= ${target.ratio}x the loop, no heap beyond results: ${pass ? "met" : "NOT met"}`);
const engineTarget = { text: "≤ 5 µs/step and ≤ 5× the loop", value: { op: "<=", limit: target.usPerStep }, ratio: { op: "<=", limit: target.ratio } } as const;
const stepFigure = (r: typeof seq, what: string, withTarget: boolean) =>
  figure({
    name: `engine: ${what}`,
    value: r.usPerStep,
    unit: "µs/step",
    baseline: "hand-written async loop, same work",
    baselineValue: r.loopUsPerStep,
    ratio: r.ratio,
    ...(withTarget ? { target: engineTarget } : {}),
  });
writeResult(
  "engine",
  [
    stepFigure(seq, "10,000-step sequential flow", true),
    stepFigure(big, "100,000-item forEach, concurrency 100", true),
    stepFigure(small, "10,000-item forEach, concurrency 100 (trend)", false),
    figure({
      name: "engine: heap kept per forEach item beyond the results (100,000 items)",
      value: growth.bytesPerItem100k,
      unit: "B/item",
      target: { text: "none (< 64 B/item)", value: { op: "<", limit: 64 } },
    }),
  ],
  { target, growth, results },
);
