/**
 * @capstan/slack: Slack tasks on `@slack/web-api`. The token is a `secret(...)` (default: the
 * `SLACK_TOKEN` secret); the API URL comes from the task, `run({ services: { slack } })` or
 * `CAPSTAN_SLACK_API_URL`, so tests point it at a fake.
 *
 * @example
 * import { flow, secret } from "@capstan/core";
 * import { slack } from "@capstan/slack";
 *
 * flow({ id: "notify" })
 *   .step("post", slack.postMessage({ channel: "#ops", text: "rotated", token: secret("SLACK_TOKEN") }))
 *   .step("log", slack.uploadFile(({ steps }) => ({ channel: steps.post.channel, content: "full log", filename: "rotate.log", threadTs: steps.post.ts })));
 *
 * @module
 */
import { postMessage } from "./post-message/post-message.js";
import { uploadFile } from "./upload-file/upload-file.js";

export const slack = { postMessage, uploadFile } as const;
export { postMessage, PostMessageInput, PostMessageOutput } from "./post-message/post-message.js";
export { uploadFile, UploadFileInput, UploadFileOutput } from "./upload-file/upload-file.js";
export { slackClient, slackError, SlackConnection, DEFAULT_API_URL } from "./client.js";
export type { SlackService } from "./client.js";
