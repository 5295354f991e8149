/**
 * Emulated API server throughput: creates 10,000 pods and 1,000 Deployments over HTTP (JSON bodies, as
 * client-node sends them; node:http keep-alive client) with bounded concurrency, then lists all pods and replays them through a watch.
 * Prints objects/s, p50/p99 request latency and RSS; writes bench/results/emulator.json.
 * Target: >= 1,000 objects/s and < 1 GiB RSS. The controllers/kubelet runtime is off, so this
 * measures the API server and store (with it on, 1,000 Deployments would also start 1,000 pods).
 * The server runs in a worker thread, so the load generator does not share its event loop.
 *
 *   npm run bench -- emulator
 */
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { Agent, request } from "node:http";
import pLimit from "p-limit";
import { mockCluster } from "@capstan/testing";
import { figure, writeResult } from "./support/result.js";

const PODS = 10_000;
const DEPLOYMENTS = 1_000;
const CONCURRENCY = 64;

if (!isMainThread) {
  const served = await mockCluster({ runtime: false, historySize: 20_000 });
  parentPort?.postMessage(served.url);
  parentPort?.on("message", async () => {
    await served.close();
    parentPort?.postMessage("closed");
  });
} else {
  await main();
}

async function main(): Promise<void> {
const worker = new Worker(fileURLToPath(import.meta.url), { execArgv: ["--import", "tsx"] });
const url = await new Promise<string>((resolve) => worker.once("message", resolve));
const cluster = {
  url,
  close: () =>
    new Promise<void>((resolve) => {
      worker.once("message", () => void worker.terminate().then(() => resolve()));
      worker.postMessage("close");
    }),
};
await fetch(`${cluster.url}/api/v1/namespaces`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ metadata: { name: "bench" } }),
});

const latencies: number[] = [];
const limit = pLimit(CONCURRENCY);
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(path: string, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  const start = performance.now();
  return new Promise<void>((resolve, reject) => {
    const req = request(`${cluster.url}${path}`, { method: "POST", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "User-Agent": "capstan-bench" } }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode !== 201) reject(new Error(`POST ${path}: ${res.statusCode}`));
        latencies.push(performance.now() - start);
        resolve();
      });
    });
    req.on("error", reject);
    req.end(text);
  });
}

const pod = (i: number) => ({
  metadata: { name: `pod-${i}`, labels: { app: `app-${i % 100}`, bench: "true" } },
  spec: { containers: [{ name: "main", image: "nginx:1.25", ports: [{ containerPort: 80 }], env: [{ name: "INDEX", value: String(i) }] }] },
});
const deployment = (i: number) => ({
  metadata: { name: `deploy-${i}`, labels: { app: `d-${i}` } },
  spec: { replicas: 2, selector: { matchLabels: { app: `d-${i}` } }, template: { metadata: { labels: { app: `d-${i}` } }, spec: { containers: [{ name: "main", image: "nginx:1.25" }] } } },
});

const createStart = performance.now();
await Promise.all([
  ...Array.from({ length: PODS }, (_, i) => limit(() => post("/api/v1/namespaces/bench/pods", pod(i)))),
  ...Array.from({ length: DEPLOYMENTS }, (_, i) => limit(() => post("/apis/apps/v1/namespaces/bench/deployments", deployment(i)))),
]);
const createMs = performance.now() - createStart;

const listStart = performance.now();
const list = (await (await fetch(`${cluster.url}/api/v1/namespaces/bench/pods`)).json()) as { items: unknown[]; metadata: { resourceVersion: string } };
const listMs = performance.now() - listStart;
if (list.items.length !== PODS) throw new Error(`listed ${list.items.length} pods`);

// A watch from resourceVersion 0 replays every pod as ADDED before live events.
const watchStart = performance.now();
const abort = new AbortController();
const res = await fetch(`${cluster.url}/api/v1/namespaces/bench/pods?watch=true&resourceVersion=0`, { signal: abort.signal });
let events = 0;
let buffered = "";
const decoder = new TextDecoder();
for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
  buffered += decoder.decode(chunk, { stream: true });
  let nl: number;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    buffered = buffered.slice(nl + 1);
    events++;
  }
  if (events >= PODS) break;
}
abort.abort();
agent.destroy();
const watchMs = performance.now() - watchStart;

latencies.sort((a, b) => a - b);
const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(2));
const objects = PODS + DEPLOYMENTS;
const result = {
  node: process.version,
  date: new Date().toISOString(),
  target: { objectsPerSecond: 1000, rssMiB: 1024 },
  objects,
  concurrency: CONCURRENCY,
  createMs: Math.round(createMs),
  objectsPerSecond: Math.round(objects / (createMs / 1000)),
  latencyMs: { p50: pct(50), p99: pct(99) },
  listAllPodsMs: Math.round(listMs),
  watchReplayMs: Math.round(watchMs),
  watchEventsPerSecond: Math.round(events / (watchMs / 1000)),
  rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  pass: false,
};
result.pass = result.objectsPerSecond >= 1000 && result.rssMiB < 1024;
await cluster.close();

console.log(`created ${objects} objects in ${result.createMs} ms: ${result.objectsPerSecond} objects/s (p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, concurrency ${CONCURRENCY})`);
console.log(`list ${PODS} pods: ${result.listAllPodsMs} ms; watch replay: ${result.watchReplayMs} ms (${result.watchEventsPerSecond} events/s); RSS ${result.rssMiB} MiB`);
console.log(result.pass ? "PASS" : "FAIL: target is >= 1000 objects/s and < 1024 MiB RSS");
writeResult(
  "emulator",
  [
    figure({
      name: `emulator: create ${objects.toLocaleString("en-US")} pods and Deployments over HTTP (concurrency ${CONCURRENCY}; p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms)`,
      value: result.objectsPerSecond,
      unit: "objects/s",
      target: { text: "≥ 1,000 objects/s", value: { op: ">=", limit: 1000 } },
    }),
    figure({ name: "emulator: RSS of the benchmark process after the run", value: result.rssMiB, unit: "MiB", target: { text: "< 1 GiB", value: { op: "<", limit: 1024 } } }),
    figure({ name: `emulator: watch replay of ${PODS.toLocaleString("en-US")} pods`, value: result.watchEventsPerSecond, unit: "events/s" }),
  ],
  result,
);
// Reported in the JSON and above; not an exit code, so `npm run bench` still runs the other benchmarks.
}
