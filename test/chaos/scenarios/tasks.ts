/**
 * Every Kubernetes task in one flow: server-side apply with readiness, strategic and JSON patches,
 * a rolling restart with wait, a read, a pod run with files in and out and numbered log lines, a
 * delete with wait. Its pod step retries, so it survives its pod being evicted or its node lost.
 */
import { z } from "zod";
import { flow, MemoryArtifactStore, staticSecrets } from "@capstan/core";
import { kubectl, kubernetes, podCreate, WORKING_DIR } from "@capstan/kubernetes";
import { mockCluster, type ContainerContext } from "@capstan/testing";
import type { Rng } from "../random.ts";
import { CHAOS_RETRY, objectAt, recording, REQUEST_FAULTS, type Printed, type Scenario, type ScenarioEnv } from "../scenario.ts";

const NS = "chaos";

const manifest = (replicas: number) => [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: NS }, data: { tier: "web" } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "scratch", namespace: NS }, data: { tmp: "1" } },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: NS, labels: { app: "web" } },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "chaos/web:1" }] } } },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: NS }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } },
];

export const tasksFlow = flow({ id: "chaos-tasks", inputs: z.object({ lines: z.number().int().positive(), replicas: z.number().int().positive() }) })
  .step("apply", kubectl.apply(({ inputs }) => ({ manifest: manifest(inputs.replicas), waitUntilReady: "30s" })))
  .step("scale", kubectl.patch(({ inputs }) => ({ kind: "Deployment", name: "web", namespace: NS, patch: { spec: { replicas: inputs.replicas + 1 } } })))
  .step("mode", kubectl.patch({ kind: "ConfigMap", name: "settings", namespace: NS, type: "json", patch: [{ op: "add", path: "/data/mode", value: "chaos" }] }))
  .step("restart", kubectl.restart({ kind: "Deployment", name: "web", namespace: NS, wait: "30s" }))
  .step("read", kubectl.get({ kind: "Deployment", name: "web", namespace: NS }))
  .step(
    "job",
    podCreate(({ inputs }) => ({
      namespace: NS,
      spec: { containers: [{ name: "main", image: "chaos/printer:1", args: [String(inputs.lines)] }] },
      inputFiles: { "in.txt": "hello from capstan" },
      outputFiles: ["out.txt"],
      waitUntilRunning: "30s",
    })),
    { retry: { attempts: 3, delay: "10ms" } },
  )
  .step("cleanup", kubectl.delete({ kind: "ConfigMap", name: "scratch", namespace: NS, wait: "10s" }))
  .step("summary", ({ steps }) => ({ ready: steps.read.status?.readyReplicas ?? 0, count: steps.job.vars["count"], out: steps.job.outputFiles["out.txt"] }));

/** `printer N`: N numbered lines, yielding now and then, then out.txt and an outputs line. */
function printer(ctx: ContainerContext): Promise<number> {
  return (async () => {
    const n = Number(ctx.args[0] ?? 10);
    const greeting = ctx.fs.readText(`${WORKING_DIR}/in.txt`);
    for (let i = 1; i <= n; i++) {
      ctx.stdout.write(`line ${i} of ${n} (${greeting.length})\n`);
      if (i % 25 === 0) await ctx.sleep(0.5);
    }
    ctx.fs.writeFile(`${WORKING_DIR}/out.txt`, `printed ${n}`);
    ctx.stdout.write(`::{"outputs":{"count":${n}}}::\n`);
    return 0;
  })();
}

export const tasksScenario: Scenario = {
  name: "k8s-tasks",
  faults: [...REQUEST_FAULTS, "eviction", "nodeLoss"],
  async start(rng: Rng): Promise<ScenarioEnv> {
    const printed: Printed = new Map();
    const cluster = await mockCluster({
      runtime: {
        nodes: [1, 2, 3].map((i) => ({ name: `node-${i}`, capacity: { cpu: "8", memory: "32Gi", pods: "110" } })),
        timing: { schedule: 2, imagePull: 5, containerStart: 5, readiness: 10, restartBackoff: 10, timeScale: 0.01, nodeEviction: 20 },
      },
    });
    cluster.programs.register("chaos/printer:*", recording(printed, printer));
    const lines = rng.int(20, 400);
    const replicas = rng.int(1, 3);
    const storage = new MemoryArtifactStore();
    return {
      clusters: { main: cluster },
      flow: tasksFlow,
      inputs: { lines, replicas },
      services: kubernetes({ default: { kubeconfig: cluster.kubeconfig }, retry: CHAOS_RETRY }),
      secrets: [staticSecrets({})],
      storage,
      printed,
      logged: [{ container: "main", prefix: "[main] " }],
      disruptable: (pod) => pod.metadata.labels?.["capstan.io/step"] === "job",
      async verify(ex) {
        const v: string[] = [];
        const dep = objectAt(cluster, "apps/v1", "Deployment", "web", NS);
        const spec = dep?.["spec"] as { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } } | undefined;
        if (spec?.replicas !== replicas + 1) v.push(`Deployment web has ${spec?.replicas} replicas, want ${replicas + 1}`);
        if (!spec?.template?.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"]) v.push("Deployment web was not restarted (no restartedAt)");
        const out = ex.outputs as { summary?: { ready: number; count: unknown; out?: string } } | undefined;
        if (out?.summary?.ready !== replicas + 1) v.push(`read after the restart saw ${out?.summary?.ready} ready replicas, want ${replicas + 1}`);
        if (out?.summary?.count !== lines) v.push(`pod output count ${String(out?.summary?.count)}, want ${lines}`);
        const file = out?.summary?.out ? Buffer.from(await storage.get(out.summary.out)).toString() : undefined;
        if (file !== `printed ${lines}`) v.push(`out.txt artifact is ${JSON.stringify(file)}, want "printed ${lines}"`);
        if ((objectAt(cluster, "v1", "ConfigMap", "settings", NS)?.["data"] as Record<string, string> | undefined)?.["mode"] !== "chaos") v.push("ConfigMap settings lacks data.mode=chaos");
        if (objectAt(cluster, "v1", "ConfigMap", "scratch", NS)) v.push("ConfigMap scratch still exists");
        if (!objectAt(cluster, "v1", "Service", "web", NS)) v.push("Service web missing");
        return v;
      },
      close: () => cluster.close(),
    };
  },
};
