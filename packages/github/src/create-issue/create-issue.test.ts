import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flow, secret, staticSecrets } from "@capstan/core";
import type { RunOptions } from "@capstan/core";
import { startFakeGitHub } from "../../../testing/src/fakes/index.js";
import type { FakeGitHub } from "../../../testing/src/fakes/index.js";
import { github } from "../index.js";

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: ["ghp_good"], repos: ["acme/app"] });
});
afterEach(() => gh.close());

const options = (extra: Partial<RunOptions<never>> = {}): RunOptions<never> => ({
  secrets: [staticSecrets({ GITHUB_TOKEN: "ghp_good", BAD: "ghp_bad" })],
  services: { github: { baseUrl: gh.url, retryDelay: 1 } },
  ...extra,
});

describe("github.createIssue", () => {
  it("opens an issue with labels and assignees and returns its number and URL", async () => {
    const ex = await flow({ id: "gate" })
      .step("issue", github.createIssue({ repo: "acme/app", title: "staging is not ready", body: "2/3 replicas", labels: ["release"], assignees: ["oncall"], token: secret("GITHUB_TOKEN") }))
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.issue).toEqual({ number: 1, id: gh.issues[0]!.id, url: "https://github.example/acme/app/issues/1" });
    expect(gh.issues[0]).toMatchObject({ title: "staging is not ready", body: "2/3 replicas", labels: ["release"], assignees: ["oncall"] });
    expect(gh.requests[0]?.headers.authorization).toBe("token ghp_good");
    expect(JSON.stringify(ex)).not.toContain("ghp_good");
  });

  it("works against a GitHub Enterprise style base URL (/api/v3)", async () => {
    const ex = await flow({ id: "ghe" }).step("issue", github.createIssue({ repo: "acme/app", title: "x", baseUrl: `${gh.url}/api/v3` })).run(options());
    expect(ex.error).toBeUndefined();
    expect(gh.requests[0]?.path).toBe("/api/v3/repos/acme/app/issues");
  });

  it("retries a secondary rate limit after Retry-After and a 502, then succeeds", async () => {
    gh.fail({ path: "/repos/acme/app/issues", status: 403, retryAfter: 0, body: { message: "You have exceeded a secondary rate limit" } }).fail({ path: "/repos/acme/app/issues", status: 502 });
    const ex = await flow({ id: "r" }).step("issue", github.createIssue({ repo: "acme/app", title: "x" })).run(options());
    expect(ex.error).toBeUndefined();
    expect(gh.requests.map((r) => r.status)).toEqual([403, 502, 201]);
    expect(ex.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      "GitHub POST /repos/{owner}/{repo}/issues answered 403; retry 1/3 in 0ms",
      "GitHub POST /repos/{owner}/{repo}/issues answered 502; retry 2/3 in 2ms",
    ]);
  });

  it("waits for the rate limit reset when the quota is exhausted (capped by maxRetryDelay)", async () => {
    gh.fail({ path: "/repos/acme/app/issues", status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600) } });
    const started = Date.now();
    const ex = await flow({ id: "q" }).step("issue", github.createIssue({ repo: "acme/app", title: "x", maxRetryDelay: 5 })).run(options());
    expect(ex.error).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ex.logs.some((l) => l.message.includes("retry 1/3 in 5ms"))).toBe(true);
  });

  it("gives up after the retries with a retryable error", async () => {
    gh.fail({ path: "/repos/acme/app/issues", status: 429, retryAfter: 0, times: 10 });
    const ex = await flow({ id: "g" }).step("issue", github.createIssue({ repo: "acme/app", title: "x", retries: 1 })).run(options());
    expect(ex.error).toMatchObject({ code: "CAPSTAN_GITHUB_ERROR", message: "GitHub create issue in acme/app answered 429: API rate limit exceeded" });
    expect(gh.requests).toHaveLength(2);
  });

  it("says a bad token is bad, names the secret, and does not retry", async () => {
    const ex = await flow({ id: "t" }).step("issue", github.createIssue({ repo: "acme/app", title: "x", token: secret("BAD") })).run(options());
    expect(ex.error).toMatchObject({ code: "CAPSTAN_GITHUB_ERROR", message: "GitHub create issue in acme/app answered 401: Bad credentials" });
    expect(ex.error?.hint).toContain("GITHUB_TOKEN");
    expect(gh.requests).toHaveLength(1);
  });

  it("lists GitHub's field errors for a 422, without retrying", async () => {
    gh.fail({ path: "/repos/acme/app/issues", status: 422, body: { message: "Validation Failed", errors: [{ resource: "Issue", code: "invalid", field: "assignees" }] } });
    const ex = await flow({ id: "v" }).step("issue", github.createIssue({ repo: "acme/app", title: "x", assignees: ["ghost"] })).run(options());
    expect(ex.error).toMatchObject({ message: "GitHub create issue in acme/app answered 422: Validation Failed (assignees invalid)", hint: "GitHub rejected the request's fields" });
    expect(gh.requests).toHaveLength(1);
  });

  it("explains a repository it cannot see, and rejects a malformed repo before calling", async () => {
    const missing = await flow({ id: "m" }).step("issue", github.createIssue({ repo: "acme/secret", title: "x" })).run(options());
    expect(missing.error?.message).toBe("GitHub create issue in acme/secret answered 404: Not Found");
    expect(missing.error?.hint).toContain("cannot see it");
    const bad = await flow({ id: "b" }).step("issue", github.createIssue({ repo: "not-a-repo", title: "x" })).run(options());
    expect(bad.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(bad.error?.message).toContain('repo: expected "owner/name"');
  });
});
