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

const options = () => ({ secrets: [staticSecrets({ GITHUB_TOKEN: "ghp_good" })], services: { github: { baseUrl: gh.url, retryDelay: 1 } } });

describe("github.comment", () => {
  it("comments on the issue a previous step opened", async () => {
    const ex = await flow({ id: "c" })
      .step("issue", github.createIssue({ repo: "acme/app", title: "flaky" }))
      .step("note", github.comment(({ steps }) => ({ repo: "acme/app", issue: steps.issue.number, body: "paging on-call" })))
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(gh.comments).toEqual([{ id: ex.outputs!.note.id, repo: "acme/app", issueNumber: 1, body: "paging on-call", html_url: ex.outputs!.note.url }]);
  });

  it("reports a missing issue or pull request, and retries a 500", async () => {
    gh.fail({ status: 500 });
    const ex = await flow({ id: "m" }).step("note", github.comment({ repo: "acme/app", issue: 42, body: "x" })).run(options());
    expect(ex.error).toMatchObject({ code: "CAPSTAN_GITHUB_ERROR", message: "GitHub comment on acme/app#42 answered 404: Not Found" });
    expect(gh.requests.map((r) => r.status)).toEqual([500, 404]);
  });

  it("validates the number and body before calling", async () => {
    const ex = await flow({ id: "v" }).step("note", github.comment({ repo: "acme/app", issue: 0, body: "" })).run(options());
    expect(ex.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(ex.error?.message).toMatch(/issue:.*\n.*body:/s);
    expect(gh.requests).toHaveLength(0);
  });
});
