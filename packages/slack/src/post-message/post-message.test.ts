import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flow, secret, staticSecrets } from "@capstan/core";
import { startFakeSlack } from "../../../testing/src/fakes/index.js";
import type { FakeSlack } from "../../../testing/src/fakes/index.js";
import { slack } from "../index.js";

let fake: FakeSlack;
beforeEach(async () => {
  fake = await startFakeSlack({ tokens: ["xoxb-good-token"], channels: { ops: "C0OPS" } });
});
afterEach(() => fake.close());

const run = <F extends { run: (o?: never) => unknown }>(f: F, extra: Record<string, unknown> = {}) =>
  (f.run as (o: unknown) => ReturnType<F["run"]>)({
    secrets: [staticSecrets({ SLACK_TOKEN: "xoxb-good-token", OTHER: "xoxb-bad" })],
    services: { slack: { apiUrl: fake.apiUrl, retryDelay: 1 } },
    ...extra,
  });

describe("slack.postMessage", () => {
  it("posts text with the token from a secret and returns the channel ID and ts; a reply goes in the thread", async () => {
    const f = flow({ id: "notify" })
      .step("post", slack.postMessage({ channel: "#ops", text: "rollout started", token: secret("SLACK_TOKEN") }))
      .step("reply", slack.postMessage(({ steps }) => ({ channel: steps.post.channel, threadTs: steps.post.ts, text: "done" })));
    const ex = await run(f);
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.post).toEqual({ channel: "C0OPS", ts: fake.messages[0]!.ts });
    expect(fake.messages.map((m) => [m.channel, m.text, m.threadTs])).toEqual([
      ["C0OPS", "rollout started", undefined],
      ["C0OPS", "done", ex.outputs?.post.ts],
    ]);
    expect(ex.outputs?.reply.threadTs).toBe(ex.outputs?.post.ts);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer xoxb-good-token");
    expect(JSON.stringify(ex)).not.toContain("xoxb-good-token");
  });

  it("sends Block Kit blocks", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*tenant* alpha ready" } }];
    const ex = await run(flow({ id: "b" }).step("post", slack.postMessage({ channel: "ops", text: "alpha ready", blocks })));
    expect(ex.state).toBe("SUCCESS");
    expect(fake.messages[0]?.blocks).toEqual(blocks);
  });

  it("waits out a 429 with Retry-After and retries 5xx answers, as the client does", async () => {
    fake.fail({ path: "/api/chat.postMessage", status: 429, retryAfter: 0 }).fail({ path: "/api/chat.postMessage", status: 503 });
    const ex = await run(flow({ id: "r" }).step("post", slack.postMessage({ channel: "#ops", text: "hi" })));
    expect(ex.error).toBeUndefined();
    expect(fake.requestsTo("/api/chat.postMessage").map((r) => r.status)).toEqual([429, 503, 200]);
    expect(fake.messages).toHaveLength(1);
    expect(ex.logs.some((l) => l.message.includes("rate limiting"))).toBe(true);
  });

  it("fails clearly when rate limiting outlasts the retries", async () => {
    fake.fail({ path: "/api/chat.postMessage", status: 429, retryAfter: 0, times: 10 });
    const ex = await run(flow({ id: "r" }).step("post", slack.postMessage({ channel: "#ops", text: "hi", retries: 2 })));
    expect(ex.error).toMatchObject({ code: "CAPSTAN_SLACK_RATE_LIMITED", stepPath: "post" });
    expect(fake.requestsTo("/api/chat.postMessage")).toHaveLength(3);
  });

  it("says the token is bad, names the secret to fix, and does not retry", async () => {
    const ex = await run(flow({ id: "t" }).step("post", slack.postMessage({ channel: "#ops", text: "hi", token: secret("OTHER") })));
    expect(ex.error).toMatchObject({ code: "CAPSTAN_SLACK_ERROR", message: "Slack chat.postMessage failed: invalid_auth" });
    expect(ex.error?.hint).toContain("SLACK_TOKEN");
    expect(fake.requests).toHaveLength(1);
  });

  it("reports an unknown channel with a hint", async () => {
    const ex = await run(flow({ id: "c" }).step("post", slack.postMessage({ channel: "#nope", text: "hi" })));
    expect(ex.error?.message).toContain("channel_not_found");
    expect(ex.error?.hint).toContain("channel name or ID");
  });

  it("needs text or blocks, checked before any call", async () => {
    const ex = await run(flow({ id: "v" }).step("post", slack.postMessage({ channel: "#ops" })));
    expect(ex.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(ex.error?.message).toContain("text: give text or blocks");
    expect(fake.requests).toHaveLength(0);
  });

  it("fails before running when no token is configured anywhere", async () => {
    const ex = await flow({ id: "n" }).step("post", slack.postMessage({ channel: "#ops", text: "hi" })).run({ secrets: [staticSecrets({})], services: { slack: { apiUrl: fake.apiUrl } } });
    expect(ex.error).toMatchObject({ code: "CAPSTAN_SECRET_MISSING" });
    expect(ex.error?.message).toContain('secret "SLACK_TOKEN" was not found');
  });
});
