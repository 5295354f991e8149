import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow, secret, webhook, manual } from "@capstan/core";
import type { CapstanServer } from "./server.js";
import { post, startServer } from "./test-helpers.js";

const release = flow({
  id: "release",
  inputs: z.object({ version: z.string().regex(/^\d+\.\d+\.\d+$/), regions: z.array(z.string()).default(["eu"]) }),
  triggers: [webhook({ path: "release", key: secret("HOOK_KEY"), maxBodyBytes: 256 }), manual({ key: secret("RUN_KEY") })],
}).step("deploy", ({ inputs }) => ({ deployed: `${inputs.version}@${inputs.regions.join("+")}` }));

const KEY = { "Content-Type": "application/json", Authorization: "Bearer s3cret-key" };
let server: CapstanServer | undefined;
afterEach(async () => {
  await server?.shutdown(1000);
  server = undefined;
});

describe("webhooks", () => {
  it("starts an execution and answers with its id; the record names the webhook", async () => {
    const s = await startServer([release]);
    server = s.server;
    const r = await post(`${server.url}/webhooks/release`, JSON.stringify({ version: "1.2.3" }), KEY);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ flowId: "release", state: "RUNNING", executionId: expect.any(String) });
    await server.idle();
    const ex = await s.store.get(r.body.executionId);
    expect(ex).toMatchObject({ state: "SUCCESS", inputs: { version: "1.2.3" }, trigger: { type: "webhook", path: "release" } });
    expect(ex.steps.deploy?.output).toEqual({ deployed: "1.2.3@eu" });
  });

  it("waits and returns the outputs when asked, with the key in X-Capstan-Key", async () => {
    const s = await startServer([release]);
    server = s.server;
    const r = await post(`${server.url}/webhooks/release?wait=true`, JSON.stringify({ version: "2.0.0", regions: ["us", "ap"] }), { "X-Capstan-Key": "s3cret-key" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: "SUCCESS", outputs: { deploy: { deployed: "2.0.0@us+ap" } } });
  });

  const rejected: [string, () => Parameters<typeof post>, number, string][] = [
    ["no key", () => ["/webhooks/release", JSON.stringify({ version: "1.0.0" }), { "Content-Type": "application/json" }], 401, "CAPSTAN_UNAUTHENTICATED"],
    ["a wrong key", () => ["/webhooks/release", JSON.stringify({ version: "1.0.0" }), { Authorization: "Bearer s3cret-kez" }], 403, "CAPSTAN_FORBIDDEN"],
    ["a key of another length", () => ["/webhooks/release", "{}", { "X-Capstan-Key": "s" }], 403, "CAPSTAN_FORBIDDEN"],
    ["an oversized body (declared length)", () => ["/webhooks/release", JSON.stringify({ version: "1.0.0", pad: "x".repeat(400) }), KEY], 413, "CAPSTAN_BODY_TOO_LARGE"],
    ["an oversized body (chunked)", () => ["/webhooks/release", JSON.stringify({ version: "1.0.0", pad: "x".repeat(400) }), { ...KEY, "Transfer-Encoding": "chunked" }], 413, "CAPSTAN_BODY_TOO_LARGE"],
    ["invalid JSON", () => ["/webhooks/release", '{"version": "1.0.0",', KEY], 400, "CAPSTAN_BAD_JSON"],
    ["a JSON array", () => ["/webhooks/release", "[1]", KEY], 400, "CAPSTAN_BAD_JSON"],
    ["inputs failing the schema", () => ["/webhooks/release", JSON.stringify({ version: "latest", regions: "eu" }), KEY], 400, "CAPSTAN_INPUT_INVALID"],
    ["an unknown path", () => ["/webhooks/nope", "{}", KEY], 404, "CAPSTAN_NOT_FOUND"],
    ["GET", () => ["/webhooks/release", undefined, KEY, "GET"], 405, "CAPSTAN_METHOD_NOT_ALLOWED"],
  ];
  for (const [what, args, status, code] of rejected) {
    it(`rejects ${what} with ${status} and starts nothing`, async () => {
      const s = await startServer([release]);
      server = s.server;
      const [path, body, headers, method] = args();
      const r = await post(`${server.url}${path}`, body, headers, method);
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
      expect(r.body.error.message).toEqual(expect.any(String));
      expect(await s.store.list()).toEqual([]);
      expect(server.runner.running()).toBe(0);
      if (status === 401) expect(r.headers["www-authenticate"]).toContain("Bearer");
      if (code === "CAPSTAN_INPUT_INVALID") {
        expect(r.body.error.issues).toEqual([
          { path: "version", message: expect.stringContaining("Invalid string") },
          { path: "regions", message: expect.stringContaining("expected array") },
        ]);
      }
    });
  }

  it("starts a keyed manual trigger over HTTP", async () => {
    const s = await startServer([release]);
    server = s.server;
    expect((await post(`${server.url}/flows/release/executions`, JSON.stringify({ version: "1.0.0" }), KEY)).status).toBe(403);
    const r = await post(`${server.url}/flows/release/executions?wait=1`, JSON.stringify({ version: "1.0.0" }), { Authorization: "Bearer run-key" });
    expect(r.status).toBe(200);
    expect((await s.store.get(r.body.executionId)).trigger).toEqual({ type: "manual", via: "http" });
  });

  it("refuses to start when a webhook key is not configured", async () => {
    await expect(startServer([release], { secrets: [] })).rejects.toThrow(/the trigger key secret\(HOOK_KEY\) is not set/);
  });

  it("reports health", async () => {
    const s = await startServer([release]);
    server = s.server;
    const r = await post(`${server.url}/healthz`, undefined, {}, "GET");
    expect(r).toMatchObject({ status: 200, body: { status: "ok", running: 0, queued: 0 } });
  });
});
