/** Demo environment of the GPU training blueprint: a cluster with a GPU pool, a model registry that also serves the dataset, Slack. */
import { bearerOf, startFakeServer, startFakeSlack, type FakeServer, type FakeSlack } from "@capstan/testing";
import type { MockCluster } from "@capstan/testing";
import { closeAll, cpuNodes, demoCluster, demoSecrets, DEMO_SECRETS, kubeServices, type DemoEnv } from "./env.ts";

export const IRIS = ["sepal_length,sepal_width,petal_length,petal_width,species", "5.1,3.5,1.4,0.2,setosa", "7.0,3.2,4.7,1.4,versicolor", "6.3,3.3,6.0,2.5,virginica", "4.9,3.0,1.4,0.2,setosa"].join("\n");

export interface GpuDemo extends DemoEnv {
  cluster: MockCluster;
  slack: FakeSlack;
  registry: FakeServer;
  /** Model versions the registry accepted. */
  versions: { model: string; version: number; body: Record<string, unknown> }[];
}

export async function startGpuDemo(options: { gpuNode?: boolean; dataset?: string } = {}): Promise<GpuDemo> {
  const gpu = { name: "gpu-1", labels: { "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" }, capacity: { cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": "1" } };
  const versions: GpuDemo["versions"] = [];
  const [cluster, slack, registry] = await Promise.all([
    demoCluster({ nodes: [...cpuNodes(2), ...(options.gpuNode === false ? [] : [gpu])], seed: "apiVersion: v1\nkind: Namespace\nmetadata: { name: ml }\n" }),
    startFakeSlack({ tokens: [DEMO_SECRETS.SLACK_TOKEN], channels: { ml: "C0ML" } }),
    startFakeServer((r) =>
      r
        .get("/datasets/iris.csv", () => ({ status: 200, headers: { "content-type": "text/csv" }, body: options.dataset ?? IRIS }))
        .post("/models/:name/versions", (req) => {
          if (bearerOf(req) !== DEMO_SECRETS.MODEL_REGISTRY_TOKEN) return { status: 401, body: { error: "unauthorized" } };
          const version = versions.filter((v) => v.model === req.params.name).length + 1;
          versions.push({ model: req.params.name!, version, body: req.body as Record<string, unknown> });
          return { status: 201, body: { id: `${req.params.name}@${version}`, version } };
        }),
    ),
  ]);
  return {
    cluster,
    slack,
    registry,
    versions,
    services: { ...kubeServices(cluster), slack: { apiUrl: slack.apiUrl, retryDelay: "10ms" } },
    secrets: demoSecrets(),
    inputs: { dataset: `${registry.url}/datasets/iris.csv`, registry: registry.url },
    endpoints: [`emulated cluster ${cluster.url} (nodes node-1, node-2${options.gpuNode === false ? "" : ", gpu-1 with nvidia.com/gpu: 1"})`, `model registry ${registry.url}`, `slack ${slack.url}`],
    close: () => closeAll(cluster, slack, registry),
  };
}
