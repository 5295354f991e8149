/**
 * `slack.uploadFile`: uploads an artifact (a `capstan://` URI or a path in this execution's
 * storage) or given bytes/text, and shares it in a channel, optionally with a comment or in a
 * thread. Uses Slack's upload flow (`files.getUploadURLExternal` → upload → `files.completeUploadExternal`).
 *
 * @example
 * .step("model", async ({ storage }) => (await storage.put("model.onnx", bytes)).uri)
 * .step("share", slack.uploadFile(({ steps }) => ({ channel: "C0123ABC", artifact: steps.model, initialComment: "new model" })))
 */
import { posix } from "node:path";
import { z } from "zod";
import { CapstanError, defineTask } from "@capstan/core";
import { SlackConnection, callSlack, slackClient } from "../client.js";

export const UploadFileInput = z
  .object({
    /** Channel ID to share the file in (Slack's upload API takes IDs, not names). Omit to upload unshared. */
    channel: z.string().min(1).optional(),
    /** A `capstan://` URI, or a path in this execution's storage. */
    artifact: z.string().min(1).optional(),
    /** The content itself, instead of an artifact. */
    content: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
    /** Default: the artifact's file name. */
    filename: z.string().min(1).optional(),
    title: z.string().optional(),
    initialComment: z.string().optional(),
    threadTs: z.string().optional(),
    ...SlackConnection,
  })
  .refine((v) => (v.artifact === undefined) !== (v.content === undefined), { message: "give either artifact or content", path: ["artifact"] })
  .refine((v) => v.filename !== undefined || v.artifact !== undefined, { message: "filename is required with content", path: ["filename"] });

export const UploadFileOutput = z.object({ fileId: z.string(), size: z.number(), permalink: z.string().optional(), channel: z.string().optional() });

export const uploadFile = defineTask({
  type: "slack.uploadFile",
  description: "Uploads a file (an artifact or bytes) to Slack",
  input: UploadFileInput,
  output: UploadFileOutput,
  run: async (input, ctx) => {
    let bytes: Uint8Array;
    if (input.artifact !== undefined) {
      bytes = await ctx.storage.get(input.artifact);
    } else {
      bytes = typeof input.content === "string" ? new TextEncoder().encode(input.content) : input.content!;
    }
    if (bytes.byteLength === 0) {
      throw new CapstanError("CAPSTAN_SLACK_ERROR", "Slack does not accept empty files", { hint: "check the artifact or content", retryable: false });
    }
    const filename = input.filename ?? posix.basename(input.artifact!);
    const client = await slackClient(input, ctx);
    const res = (await callSlack(ctx, "files.uploadV2", () =>
      client.filesUploadV2({
        file: Buffer.from(bytes),
        filename,
        ...(input.title ? { title: input.title } : {}),
        ...(input.channel ? { channel_id: input.channel } : {}),
        ...(input.initialComment ? { initial_comment: input.initialComment } : {}),
        ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
      } as never),
    )) as { files?: { files?: { id?: string; permalink?: string }[] }[] };
    const file = res.files?.[0]?.files?.[0];
    if (!file?.id) throw new CapstanError("CAPSTAN_SLACK_ERROR", "Slack files.completeUploadExternal returned no file", { retryable: true });
    ctx.log.info(`uploaded ${filename} (${bytes.byteLength} bytes)${input.channel ? ` to ${input.channel}` : ""}`);
    return { fileId: file.id, size: bytes.byteLength, ...(file.permalink ? { permalink: file.permalink } : {}), ...(input.channel ? { channel: input.channel } : {}) };
  },
});
