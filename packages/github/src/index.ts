/**
 * @capstan/github: GitHub tasks on Octokit: open an issue, comment on an issue or pull request,
 * set a commit status. The token is a `secret(...)` (default: the `GITHUB_TOKEN` secret); the base
 * URL comes from the task, `run({ services: { github } })` or `GITHUB_API_URL` (GitHub Enterprise,
 * or a fake in tests).
 *
 * @example
 * import { flow, secret } from "@capstan/core";
 * import { github } from "@capstan/github";
 *
 * flow({ id: "gate" })
 *   .step("issue", github.createIssue({ repo: "acme/app", title: "staging is not ready", token: secret("GITHUB_TOKEN") }))
 *   .step("note", github.comment(({ steps }) => ({ repo: "acme/app", issue: steps.issue.number, body: "paging on-call" })));
 *
 * @module
 */
import { createIssue } from "./create-issue/create-issue.js";
import { comment } from "./comment/comment.js";
import { setStatus } from "./set-status/set-status.js";

export const github = { createIssue, comment, setStatus } as const;
export { createIssue, CreateIssueInput, CreateIssueOutput } from "./create-issue/create-issue.js";
export { comment, CommentInput, CommentOutput } from "./comment/comment.js";
export { setStatus, SetStatusInput, SetStatusOutput } from "./set-status/set-status.js";
export { githubClient, githubError, GitHubConnection } from "./client.js";
export type { GitHubService } from "./client.js";
