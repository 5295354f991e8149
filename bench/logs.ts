/**
 * podCreate's log pipeline under volume: one pod prints 1,000,000 lines; every line must reach the
 * execution log once, in order, across injected log-stream cuts (a clean close and a connection
 * reset). Prints lines/s end to end (target >= 200,000), lost/doubled/out-of-order lines (must be
 * 0), this process's RSS growth (target < 100 MB), and the CPU per line of each side: Capstan's
 * (this process) and the emulated cluster's (a child process, standing in for the kubelet);
 * writes bench/results/logs.json. Run with `npm run bench -- logs` or
 * `scripts/node22.sh node --expose-gc --import tsx bench/logs.ts` (LINES=... CUTS=... to vary).
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { flow, MemoryArtifactStore, type Execution } from "@capstan/core";
import { kubernetes } from "../packages/kubernetes/src/cluster/spec.js";
import { podCreate } from "../packages/kubernetes/src/tasks/pod/index.js";
import { loadClientNode } from "../packages/kubernetes/src/client/client-node.js";
import { figure, writeResult } from "./support/result.js";

const LINES = Number(process.env.LINES ?? 1_000_000);
const CUTS = Number(process.env.CUTS ?? 2);
const here = dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

const child = spawn(process.execPath, ["--import", "tsx", join(here, "support", "logs-cluster.ts")], { env: { ...process.env, CUTS: String(CUTS) }, stdio: ["pipe", "pipe", "inherit"] });
const childLines = createInterface({ input: child.stdout! });
const nextLine = () =>
  new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`cluster process exited (${code})`));
    child.once("exit", onExit);
    childLines.once("line", (line) => {
      child.off("exit", onExit);
      resolve(line);
    });
  });
const { kubeconfig } = JSON.parse(await nextLine()) as { kubeconfig: string };
/** The cluster process's CPU time so far, in seconds. */
const clusterCpu = async () => {
  const answer = nextLine();
  child.stdin!.write("cpu\n");
  return (JSON.parse(await answer) as { cpuMicros: number }).cpuMicros / 1e6;
};

// Checked as lines arrive: the next number expected, and what went wrong.
let expected = 1;
let received = 0;
let outOfOrder = 0;
let doubled = 0;
const onLine = (message: string) => {
  if (!message.startsWith("[main] line ")) return;
  received++;
  const n = Number(message.slice(12));
  if (n === expected) expected++;
  else if (n < expected) doubled++;
  else {
    outOfOrder++;
    expected = n + 1;
  }
};

const job = flow({ id: "bench-logs" }).step(
  "print",
  podCreate({ spec: { containers: [{ name: "main", image: "capstan-bench/lines:1", env: [{ name: "LINES", value: String(LINES) }] }] }, waitUntilRunning: "1m" }),
);
// Tasks load @kubernetes/client-node on first use (docs/performance.md): loaded here, so that
// the figures are the log pipeline's and not a one-time module load.
await loadClientNode();
gc?.();
const rssBefore = process.memoryUsage().rss;
const clusterCpu0 = await clusterCpu();
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let execution: Execution | undefined = await job.run({
  services: kubernetes({ default: { kubeconfig } }),
  storage: new MemoryArtifactStore(),
  // As `tsx flow.ts` / `capstan run` do: every line goes out through events (printed, recorded);
  // the in-memory execution keeps the newest 1,000.
  keepLogs: 1000,
  onEvent: (e) => {
    if (e.type === "log") onLine(e.message);
  },
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
clearInterval(sampler);
rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
const clusterCpuSeconds = (await clusterCpu()) - clusterCpu0;
const logRecords = execution.logs.length;
const state = execution.state;
const error = execution.error;
child.stdin!.end();
// What the finished execution holds (its log records, kept for `execution.logs`), after full GCs.
const heapNow = () => (gc?.(), gc?.(), process.memoryUsage().heapUsed);
const heapWith = heapNow();
execution = undefined;
// Lets the async frame drop its copy of the awaited execution before measuring again.
await new Promise((r) => setTimeout(r, 50));
const executionHeldMB = Math.round(((heapWith - heapNow()) / 2 ** 20) * 10) / 10;

const lost = LINES - (expected - 1);
const result = {
  node: process.version,
  date: new Date().toISOString(),
  lines: LINES,
  cuts: CUTS,
  state,
  seconds: Math.round(seconds * 100) / 100,
  linesPerSecond: Math.round(LINES / seconds),
  // This process's CPU per line (the emulated cluster's is in the other process): the pipeline's own cost.
  capstanCpuSeconds: Math.round(cpuSeconds * 100) / 100,
  capstanMicrosPerLine: Math.round((cpuSeconds * 1e6 * 100) / LINES) / 100,
  // The emulated cluster's (the kubelet's stand-in, serving the log over HTTP) in its own process.
  clusterCpuSeconds: Math.round(clusterCpuSeconds * 100) / 100,
  clusterMicrosPerLine: Math.round((clusterCpuSeconds * 1e6 * 100) / LINES) / 100,
  received,
  lost,
  doubled,
  outOfOrder,
  rssGrowthMB: Math.round(((rssPeak - rssBefore) / 2 ** 20) * 10) / 10,
  // The engine keeps every log record for `execution.logs`: how many, and the heap they held.
  executionLogRecords: logRecords,
  executionHeldMB,
  rssGrowthBeyondExecutionMB: 0,
};
result.rssGrowthBeyondExecutionMB = Math.round((result.rssGrowthMB - executionHeldMB) * 10) / 10;
const wrong = lost + doubled + outOfOrder;
console.log(`podCreate logs benchmark (node ${process.version}): ${LINES} lines, ${CUTS} log-stream cuts`);
console.log(`  ${result.linesPerSecond} lines/s end to end (${result.seconds} s), state ${state}${error ? ` (${error.message})` : ""}`);
console.log(`  CPU per line: Capstan ${result.capstanMicrosPerLine} µs (${result.capstanCpuSeconds} s), emulated cluster ${result.clusterMicrosPerLine} µs (${result.clusterCpuSeconds} s, its own process)`);
console.log(`  lost ${lost}, doubled ${doubled}, out of order ${outOfOrder} (target 0)`);
console.log(`  RSS growth ${result.rssGrowthMB} MB (target < 100 MB); of it, the finished execution's ${logRecords} log records hold ${executionHeldMB} MB of heap`);
const ok = state === "SUCCESS";
const lines = `${(LINES / 1e6).toLocaleString("en-US")}M lines, ${CUTS} stream cuts`;
writeResult(
  "logs",
  [
    figure({
      name: `pod log lines into the execution log (${lines})`,
      value: ok ? result.linesPerSecond : 0,
      unit: "lines/s",
      target: { text: "≥ 200,000 lines/s", value: { op: ">=", limit: 200_000 } },
    }),
    figure({ name: "lines lost, doubled or out of order", value: ok ? wrong : LINES, unit: "lines", target: { text: "0", value: { op: "=", limit: 0 } } }),
    figure({ name: "RSS growth of the flow's process", value: result.rssGrowthMB, unit: "MB", target: { text: "< 100 MB", value: { op: "<", limit: 100 } } }),
    figure({ name: "Capstan's CPU per log line", value: result.capstanMicrosPerLine, unit: "µs" }),
    figure({ name: "emulated cluster's CPU per log line (the container writing it, the kubelet serving it)", value: result.clusterMicrosPerLine, unit: "µs" }),
  ],
  result,
);
