import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flow, staticSecrets } from "@capstan/core";
import { startFakeGitHub } from "../../../testing/src/fakes/index.js";
import type { FakeGitHub } from "../../../testing/src/fakes/index.js";
import { github } from "../index.js";

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: ["ghp_good"] });
});
afterEach(() => gh.close());

const SHA = "4f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
const options = () => ({ secrets: [staticSecrets({ GITHUB_TOKEN: "ghp_good" })], services: { github: { baseUrl: gh.url, retryDelay: 1 } } });

describe("github.setStatus", () => {
  it("sets pending then success for a commit under one context", async () => {
    const ex = await flow({ id: "s" })
      .step("pending", github.setStatus({ repo: "acme/app", sha: SHA, state: "pending", context: "capstan/staging" }))
      .step("done", github.setStatus({ repo: "acme/app", sha: SHA, state: "success", context: "capstan/staging", description: "staging healthy", targetUrl: "https://ci.example/run/1" }))
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.done).toMatchObject({ state: "success", context: "capstan/staging" });
    expect(gh.statuses.map((s) => [s.sha, s.state, s.context, s.description, s.target_url])).toEqual([
      [SHA, "pending", "capstan/staging", null, null],
      [SHA, "success", "capstan/staging", "staging healthy", "https://ci.example/run/1"],
    ]);
  });

  it("defaults the context, and rejects an unknown state or a bad SHA before calling", async () => {
    const ok = await flow({ id: "d" }).step("s", github.setStatus({ repo: "acme/app", sha: SHA.slice(0, 7), state: "failure" })).run(options());
    expect(ok.outputs?.s.context).toBe("capstan");
    const bad = await flow({ id: "b" }).step("s", github.setStatus({ repo: "acme/app", sha: "main", state: "green" as never })).run(options());
    expect(bad.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(bad.error?.message).toMatch(/sha: expected a commit SHA/);
    expect(bad.error?.message).toMatch(/state:/);
    expect(gh.statuses).toHaveLength(1);
  });
});
