/**
 * Blueprint: a GPU training pod and its artifact. On a schedule, a webhook, or by hand: fetch the
 * dataset, run the trainer in a pod that asks for one GPU on the GPU pool (the dataset is in the
 * pod before the trainer starts; its log streams live), keep the model and metrics as artifacts,
 * register the model with the model registry over HTTP, and tell Slack. The pod is deleted however
 * the step ends. No GPU node: the step fails at once with the scheduler's reason. The trainer
 * exits non-zero: its last log lines are in the error, and Slack is told.
 *
 *   tsx examples/blueprints/gpu-training.ts --demo                 # embedded emulated cluster + fakes
 *   tsx examples/blueprints/gpu-training.ts --input dataset=https://data.example.com/iris.csv \
 *     --input registry=https://models.example.com                   # your kubeconfig's current context
 *
 * Real runs need the secrets SLACK_TOKEN and MODEL_REGISTRY_TOKEN (e.g. CAPSTAN_SECRET_SLACK_TOKEN).
 */
import { z } from "zod";
import { flow, isMain, main, manual, schedule, secret, webhook } from "@capstan/core";
import { http } from "@capstan/http";
import { podCreate } from "@capstan/kubernetes";
import { slack } from "@capstan/slack";
import { demoRequested } from "./demo/switch.ts";

const Metrics = z.object({ accuracy: z.number(), loss: z.number(), epochs: z.number() });
const Registered = z.object({ id: z.string(), version: z.number() });

export const gpuTraining = flow({
  id: "gpu-training",
  description: "Train a model on a GPU pod, keep the model and metrics, register it, tell Slack",
  inputs: z.object({
    dataset: z.string().url().default(() => process.env.DATASET_URL ?? "https://data.example.com/iris.csv").describe("dataset (CSV) URL"),
    registry: z.string().url().default(() => process.env.MODEL_REGISTRY_URL ?? "https://models.example.com").describe("model registry base URL"),
    model: z.string().default("iris-classifier").describe("model name in the registry"),
    image: z.string().default("ghcr.io/acme/trainer:2.3").describe("trainer image"),
    epochs: z.number().int().min(1).default(5).describe("training epochs"),
    namespace: z.string().default("ml").describe("namespace of the training pod"),
    gpuPool: z.string().default("nvidia-tesla-a100").describe("value of the node label cloud.google.com/gke-accelerator"),
    channel: z.string().default("#ml").describe("Slack channel"),
  }),
  labels: { team: "ml" },
  triggers: [schedule({ cron: "0 2 * * *", timezone: "UTC", catchUp: "none" }), webhook({ path: "train", key: secret("TRAIN_HOOK_KEY") }), manual()],
})
  .step("dataset", http.request(({ inputs }) => ({ url: inputs.dataset, responseType: "text", retries: 3, timeout: "2m" })))
  .step("stage", async ({ steps, storage }) => (await storage.put("dataset.csv", String(steps.dataset.body))).uri)
  .step(
    "train",
    podCreate(({ inputs, steps }) => ({
      namespace: inputs.namespace,
      spec: {
        nodeSelector: { "cloud.google.com/gke-accelerator": inputs.gpuPool },
        containers: [
          {
            name: "trainer",
            image: inputs.image,
            command: ["python", "train.py"],
            args: ["--data", "/capstan/work/dataset.csv", "--out", "/capstan/work/model", "--metrics", "/capstan/work/metrics.json", "--epochs", String(inputs.epochs)],
            resources: { limits: { "nvidia.com/gpu": "1" } },
          },
        ],
      },
      inputFiles: { "dataset.csv": steps.stage },
      outputFiles: ["model/**", "metrics.json"],
      waitUntilRunning: "15m",
      timeout: "6h",
    })),
  )
  .step("metrics", async ({ steps, storage }) => {
    const uri = steps.train.outputFiles["metrics.json"];
    if (!uri) throw new Error("the trainer wrote no metrics.json");
    return { ...Metrics.parse(JSON.parse(Buffer.from(await storage.get(uri)).toString("utf8"))), model: steps.train.outputFiles["model/model.bin"] ?? "" };
  })
  .step(
    "register",
    http.request(({ inputs, steps, execution }) => ({
      url: `${inputs.registry}/models/${inputs.model}/versions`,
      method: "POST",
      bearer: secret("MODEL_REGISTRY_TOKEN"),
      json: { artifact: steps.metrics.model, metrics: { accuracy: steps.metrics.accuracy, loss: steps.metrics.loss }, execution: execution.id },
      schema: Registered,
      retries: 3,
    })),
  )
  .step(
    "notify",
    slack.postMessage(({ inputs, steps }) => ({
      channel: inputs.channel,
      text: `${inputs.model} v${steps.register.body.version} trained: accuracy ${steps.metrics.accuracy}, loss ${steps.metrics.loss} after ${steps.metrics.epochs} epochs; model ${steps.metrics.model}`,
    })),
  )
  .errors((e) =>
    e.step("tell", slack.postMessage(({ inputs, error, execution }) => ({ channel: inputs.channel, text: `training ${inputs.model} failed (execution ${execution.id}) at ${error.path}: ${error.message}` }))),
  );

// The demo switch (--demo or CAPSTAN_DEMO=1): run on an embedded emulated cluster with fakes. Drop this line in your copy.
if (demoRequested(import.meta)) await (await import("./demo/run.ts")).runDemo(gpuTraining, "gpu-training");

export default main(import.meta, gpuTraining);
