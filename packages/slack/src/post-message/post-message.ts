/**
 * `slack.postMessage`: posts a message (text and/or Block Kit blocks), optionally in a thread.
 * Returns the channel ID and the message's `ts` (use it as `threadTs` to reply).
 *
 * @example
 * flow({ id: "notify" })
 *   .step("post", slack.postMessage({ channel: "#ops", text: "rollout started", token: secret("SLACK_TOKEN") }))
 *   .step("reply", slack.postMessage(({ steps }) => ({ channel: steps.post.channel, threadTs: steps.post.ts, text: "done" })));
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { SlackConnection, callSlack, slackClient } from "../client.js";

export const PostMessageInput = z
  .object({
    /** `#name`, a name or an ID. */
    channel: z.string().min(1),
    text: z.string().optional(),
    /** Block Kit blocks; `text` is then the notification fallback. */
    blocks: z.array(z.record(z.string(), z.unknown())).optional(),
    /** Reply in the thread of this message. */
    threadTs: z.string().optional(),
    /** Also show a thread reply in the channel. */
    replyBroadcast: z.boolean().optional(),
    unfurlLinks: z.boolean().optional(),
    mrkdwn: z.boolean().optional(),
    ...SlackConnection,
  })
  .refine((v) => v.text !== undefined || v.blocks !== undefined, { message: "give text or blocks", path: ["text"] });

export const PostMessageOutput = z.object({ channel: z.string(), ts: z.string(), threadTs: z.string().optional() });

export const postMessage = defineTask({
  type: "slack.postMessage",
  description: "Posts a Slack message",
  input: PostMessageInput,
  output: PostMessageOutput,
  run: async (input, ctx) => {
    const client = await slackClient(input, ctx);
    const res = await callSlack(ctx, "chat.postMessage", () =>
      client.chat.postMessage({
        channel: input.channel,
        text: input.text ?? "",
        ...(input.blocks ? { blocks: input.blocks as never } : {}),
        ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
        ...(input.replyBroadcast !== undefined ? { reply_broadcast: input.replyBroadcast } : {}),
        ...(input.unfurlLinks !== undefined ? { unfurl_links: input.unfurlLinks } : {}),
        ...(input.mrkdwn !== undefined ? { mrkdwn: input.mrkdwn } : {}),
      } as never),
    );
    ctx.log.info(`posted to ${res.channel} (ts ${res.ts})`);
    return { channel: String(res.channel), ts: String(res.ts), ...(input.threadTs ? { threadTs: input.threadTs } : {}) };
  },
});
