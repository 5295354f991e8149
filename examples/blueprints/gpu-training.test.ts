/** The GPU training blueprint on an emulated cluster with a GPU pool, a model registry and Slack fakes. */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore } from "@capstan/core";
import { gpuTraining } from "./gpu-training.ts";
import { startGpuDemo, type GpuDemo } from "./demo/gpu.ts";

let demo: GpuDemo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function train(options: Parameters<typeof startGpuDemo>[0] = {}) {
  demo = await startGpuDemo(options);
  const storage = new MemoryArtifactStore();
  const ex = await gpuTraining.run({ inputs: { ...demo.inputs, epochs: 4 }, services: demo.services, secrets: demo.secrets, storage });
  return { ex, demo, storage };
}

const podPosts = (d: GpuDemo) => d.cluster.requests.filter((r) => r.method === "POST" && r.resource === "pods" && !r.subresource);
const podDeletes = (d: GpuDemo) => d.cluster.requests.filter((r) => r.verb === "delete" && r.resource === "pods");

describe("blueprint: GPU training", () => {
  it("trains on the GPU node, keeps model and metrics, registers the model, tells Slack, deletes the pod", async () => {
    const { ex, demo, storage } = await train();
    expect(ex.error).toBeUndefined();
    expect(ex.state).toBe("SUCCESS");
    // The pod asked for a GPU on the GPU pool, was scheduled there, streamed its progress, and is gone.
    const post = podPosts(demo);
    expect(post).toHaveLength(1);
    expect(post[0]).toMatchObject({ namespace: "ml" });
    const scheduled = demo.cluster.list("v1", "Event", "ml").filter((e) => e["reason"] === "Scheduled").map((e) => String(e["message"]));
    expect(scheduled).toEqual([expect.stringMatching(/^Successfully assigned ml\/gpu-training-train-\S+ to gpu-1$/)]);
    expect(ex.logs.map((l) => l.message)).toEqual(expect.arrayContaining(["[trainer] epoch 1/4 loss=0.66", "[trainer] epoch 4/4 loss=0.11"]));
    expect(podDeletes(demo).length).toBeGreaterThanOrEqual(1);
    expect(demo.cluster.list("v1", "Pod", "ml").filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
    // Artifacts: the model and the metrics.
    const files = ex.outputs?.train.outputFiles ?? {};
    expect(Object.keys(files).sort()).toEqual(["metrics.json", "model/model.bin"]);
    expect(Buffer.from(await storage.get(files["model/model.bin"]!)).toString()).toBe("weights:4:4:0.11");
    expect(ex.outputs?.metrics).toEqual({ accuracy: 0.973, loss: 0.11, epochs: 4, model: files["model/model.bin"] });
    // Registered over HTTP with the artifact URI and the metrics.
    expect(demo.versions).toEqual([{ model: "iris-classifier", version: 1, body: { artifact: files["model/model.bin"], metrics: { accuracy: 0.973, loss: 0.11 }, execution: ex.id } }]);
    // Slack got the metrics and the artifact URI.
    expect(demo.slack.messages.map((m) => [m.channel, m.text])).toEqual([["C0ML", `iris-classifier v1 trained: accuracy 0.973, loss 0.11 after 4 epochs; model ${files["model/model.bin"]}`]]);
    expect(ex.steps.tell?.state).toBeUndefined();
  });

  it("fails fast with the scheduler's reason when no node has a GPU, tells Slack, leaves no pod", async () => {
    const t0 = Date.now();
    const { ex, demo } = await train({ gpuNode: false });
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ code: "CAPSTAN_K8S_POD_UNSCHEDULABLE", stepPath: "train" });
    expect(ex.error?.message).toMatch(/0\/2 nodes are available: 2 (Insufficient nvidia\.com\/gpu|node\(s\) didn't match Pod's node affinity\/selector)/);
    expect(Date.now() - t0).toBeLessThan(10_000); // not the 15m waitUntilRunning
    expect(demo.versions).toEqual([]);
    expect(demo.slack.messages).toHaveLength(1);
    expect(demo.slack.messages[0]?.text).toContain(`training iris-classifier failed (execution ${ex.id}) at train: `);
    expect(demo.slack.messages[0]?.text).toContain("0/2 nodes are available");
    expect(demo.cluster.list("v1", "Pod", "ml").filter((p) => !p.metadata.deletionTimestamp)).toEqual([]);
  });

  it("quotes the trainer's last log lines when it exits non-zero, and tells Slack", async () => {
    const { ex, demo } = await train({ dataset: "a,b,label\n1,NaN,x\n2,3,y" });
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ code: "CAPSTAN_K8S_POD_FAILED", stepPath: "train" });
    expect(ex.error?.message).toMatch(/container trainer exited with code 1/);
    expect(ex.error?.message).toContain("epoch 2/4 loss=NaN");
    expect(ex.error?.message).toContain("RuntimeError: loss is NaN");
    expect(ex.steps.register?.state).toBeUndefined();
    expect(demo.versions).toEqual([]);
    expect(demo.slack.messages.map((m) => m.text)).toEqual([expect.stringContaining("RuntimeError: loss is NaN")]);
    expect(podDeletes(demo).length).toBeGreaterThanOrEqual(1);
  });
});
