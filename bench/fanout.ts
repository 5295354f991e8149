/**
 * Fan-out: apply one Deployment to each of 200 emulated clusters, with Capstan (a forEach at
 * concurrency 20, one kubectl.apply per cluster) and with a bash loop of
 * `kubectl apply --server-side`, in the same run against the same clusters. Prints both times and
 * the ratio (target >= 20x); writes bench/results/fanout.json.
 *
 * The 200 clusters run in two worker threads (API servers only: applying needs no controllers), so
 * the flow and the clusters do not share an event loop. kubectl is the machine's (a dispatcher that
 * picks kubectl 1.<minor> by the server's /version); each kubectl gets its own fresh cache dir, as
 * a loop over many clusters would.
 *
 *   npm run bench -- fanout   (or: scripts/node22.sh tsx bench/fanout.ts [clusters])
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { flow, MemoryArtifactStore } from "@capstan/core";
import { kubectl, kubernetes } from "@capstan/kubernetes";
import { mockCluster, type MockCluster } from "@capstan/testing";
import { loadClientNode } from "../packages/kubernetes/src/client/client-node.js";
import { figure, writeResult } from "./support/result.js";

const CLUSTERS = Number(process.argv[2] ?? 200);
const CONCURRENCY = 20;

const manifest = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default", labels: { app: name } },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "nginx:1.25" }] } } },
});

if (!isMainThread) {
  const farm: MockCluster[] = [];
  for (let i = 0; i < (workerData as { n: number }).n; i++) farm.push(await mockCluster({ runtime: false }));
  // Warm each emulated apiserver with one server-side apply of another Deployment over HTTP (its
  // schemas and code paths load on first use): a real cluster has no such cold start, and it is not
  // what this benchmark compares. Both sides then meet equally warm servers.
  for (const c of farm) {
    const res = await fetch(`${c.url}/apis/apps/v1/namespaces/default/deployments/warm?fieldManager=warm-up`, {
      method: "PATCH",
      headers: { "Content-Type": "application/apply-patch+yaml" },
      body: JSON.stringify(manifest("warm")),
    });
    if (!res.ok) throw new Error(`warm-up failed: ${res.status} ${await res.text()}`);
  }
  parentPort!.postMessage(farm.map((c) => c.kubeconfig));
  parentPort!.on("message", async (msg: string) => {
    if (msg === "count") {
      parentPort!.postMessage(farm.map((c) => c.list("apps/v1", "Deployment", "default").map((d) => d.metadata.name)));
      return;
    }
    await Promise.all(farm.map((c) => c.close()));
    parentPort!.postMessage("closed");
  });
} else {
  await main();
}

async function main(): Promise<void> {
  // Two farms, one per core: one event loop serving 200 apiservers would be the bottleneck of both sides.
  const workers = [0, 1].map((i) => new Worker(fileURLToPath(import.meta.url), { workerData: { n: Math.ceil(CLUSTERS / 2) - (i && CLUSTERS % 2) }, execArgv: ["--import", "tsx"] }));
  const askOne = <T>(w: Worker, msg?: string) => new Promise<T>((resolve) => (w.once("message", resolve), msg && w.postMessage(msg)));
  const ask = async <T>(msg?: string): Promise<T> => (await Promise.all(workers.map((w) => askOne<T>(w, msg)))).flat() as T;
  const kubeconfigs = await ask<string[]>();
  const dir = mkdtempSync(join(tmpdir(), "capstan-fanout-"));

  // Capstan: one flow, a forEach over the clusters.
  const fleet = flow({ id: "fanout" }).forEach("clusters", kubeconfigs.map((_, i) => i), { concurrency: CONCURRENCY }, (each) =>
    each.step("apply", kubectl.apply(({ item }) => ({ manifest: manifest("capstan"), cluster: `c${item}` }))),
  );
  const clusters = Object.fromEntries(kubeconfigs.map((kc, i) => [`c${i}`, { kubeconfig: kc }]));
  // Module loading is not what this compares (tasks load client-node on first use): done before timing.
  await loadClientNode();
  let t = performance.now();
  const ex = await fleet.run({ services: kubernetes({ clusters }), storage: new MemoryArtifactStore(), secrets: [] });
  const capstanMs = performance.now() - t;
  if (ex.state !== "SUCCESS") throw new Error(`capstan run failed: ${ex.error?.message}`);

  // The same with a bash loop of kubectl, one kubeconfig file per cluster.
  const files = kubeconfigs.map((kc, i) => {
    const f = join(dir, `c${i}.yaml`);
    writeFileSync(f, kc);
    return f;
  });
  const manifestFile = join(dir, "deploy.json");
  writeFileSync(manifestFile, JSON.stringify(manifest("kubectl")));
  const script = `set -e\nfor kc in ${files.map((f) => `'${f}'`).join(" ")}; do\n  kubectl --kubeconfig "$kc" --cache-dir "$(mktemp -d)" apply --server-side -f '${manifestFile}' > /dev/null\ndone\n`;
  t = performance.now();
  execFileSync("bash", ["-c", script], { stdio: ["ignore", "ignore", "inherit"] });
  const kubectlMs = performance.now() - t;

  const names = await ask<string[][]>("count");
  const applied = { capstan: names.filter((n) => n.includes("capstan")).length, kubectl: names.filter((n) => n.includes("kubectl")).length };
  await ask("close");
  await Promise.all(workers.map((w) => w.terminate()));
  rmSync(dir, { recursive: true, force: true });

  const ratio = kubectlMs / capstanMs;
  const result = {
    clusters: CLUSTERS,
    concurrency: CONCURRENCY,
    capstanMs: Math.round(capstanMs),
    kubectlLoopMs: Math.round(kubectlMs),
    ratio: Math.round(ratio * 10) / 10,
    applied,
    target: ">= 20x",
    pass: ratio >= 20 && applied.capstan === CLUSTERS && applied.kubectl === CLUSTERS,
  };
  console.log(`fan-out to ${CLUSTERS} emulated clusters: capstan ${result.capstanMs} ms (concurrency ${CONCURRENCY}), kubectl loop ${result.kubectlLoopMs} ms, ratio ${result.ratio}x (target >= 20x): ${result.pass ? "met" : "NOT met"}`);
  console.log(`deployments applied: capstan ${applied.capstan}/${CLUSTERS}, kubectl ${applied.kubectl}/${CLUSTERS}`);
  const allApplied = applied.capstan === CLUSTERS && applied.kubectl === CLUSTERS;
  writeResult(
    "fanout",
    [
      figure({
        name: `fan-out: one Deployment to ${CLUSTERS} emulated clusters (forEach, concurrency ${CONCURRENCY})${allApplied ? "" : " (NOT all applied)"}`,
        value: result.capstanMs,
        unit: "ms",
        baseline: "bash loop of kubectl apply --server-side",
        baselineValue: result.kubectlLoopMs,
        ratio: allApplied ? result.ratio : 0,
        ratioNote: "× faster",
        target: { text: "≥ 20× faster than the loop", ratio: { op: ">=", limit: 20 } },
      }),
    ],
    result,
  );
}
