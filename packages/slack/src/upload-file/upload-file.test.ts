import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore, flow, staticSecrets } from "@capstan/core";
import { startFakeSlack } from "../../../testing/src/fakes/index.js";
import type { FakeSlack } from "../../../testing/src/fakes/index.js";
import { slack } from "../index.js";

let fake: FakeSlack;
beforeEach(async () => {
  fake = await startFakeSlack({ tokens: ["xoxb-t"], channels: { models: "C0MODELS" } });
});
afterEach(() => fake.close());

const options = () => ({ secrets: [staticSecrets({ SLACK_TOKEN: "xoxb-t" })], services: { slack: { apiUrl: fake.apiUrl, retryDelay: 1 } }, storage: new MemoryArtifactStore() });

describe("slack.uploadFile", () => {
  it("uploads an artifact the flow stored and shares it in a thread with a comment", async () => {
    const model = Buffer.alloc(70_000, 7);
    const f = flow({ id: "train" })
      .step("model", async ({ storage }) => (await storage.put("models/model.onnx", model)).uri)
      .step("post", slack.postMessage({ channel: "C0MODELS", text: "training done" }))
      .step("share", slack.uploadFile(({ steps }) => ({ channel: "C0MODELS", artifact: steps.model, initialComment: "new model", threadTs: steps.post.ts, title: "Model" })));
    const ex = await f.run(options());
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.model).toBe(`capstan://train/${ex.id}/models/model.onnx`);
    const file = fake.files[0]!;
    expect(ex.outputs?.share).toEqual({ fileId: file.id, size: 70_000, channel: "C0MODELS", permalink: expect.stringContaining(file.id) });
    expect(file).toMatchObject({ filename: "model.onnx", title: "Model", channel: "C0MODELS", initialComment: "new model", threadTs: ex.outputs?.post.ts });
    expect(file.bytes?.equals(model)).toBe(true);
    expect(fake.requests.map((r) => r.path)).toEqual(["/api/chat.postMessage", "/api/files.getUploadURLExternal", `/upload/${file.id}`, "/api/files.completeUploadExternal"]);
  });

  it("uploads given text content by a relative artifact path too", async () => {
    const ex = await flow({ id: "u" })
      .step("write", async ({ storage }) => (await storage.put("report.txt", "all green")).uri)
      .step("text", slack.uploadFile({ content: "raw text", filename: "note.txt" }))
      .step("rel", slack.uploadFile({ artifact: "report.txt", channel: "C0MODELS" }))
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(fake.files.map((f) => [f.filename, f.bytes?.toString(), f.channel])).toEqual([
      ["note.txt", "raw text", undefined],
      ["report.txt", "all green", "C0MODELS"],
    ]);
  });

  it("fails clearly for a missing artifact, before calling Slack", async () => {
    const ex = await flow({ id: "m" }).step("share", slack.uploadFile({ artifact: "nope.bin", channel: "C0MODELS" })).run(options());
    expect(ex.error?.code).toBe("CAPSTAN_ARTIFACT_NOT_FOUND");
    expect(ex.error?.message).toContain(`capstan://m/${ex.id}/nope.bin`);
    expect(fake.requests).toHaveLength(0);
  });

  it("needs exactly one of artifact and content", async () => {
    const ex = await flow({ id: "v" }).step("share", slack.uploadFile({ channel: "C0MODELS" })).run(options());
    expect(ex.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(ex.error?.message).toContain("artifact: give either artifact or content");
  });

  it("reports an unknown channel from the completion step", async () => {
    const ex = await flow({ id: "c" }).step("share", slack.uploadFile({ channel: "C0NOPE", content: "x", filename: "x.txt" })).run(options());
    expect(ex.error?.message).toContain("channel_not_found");
  });
});
