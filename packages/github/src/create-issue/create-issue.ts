/**
 * `github.createIssue`: opens an issue with a title, body, labels and assignees.
 *
 * @example
 * .if("ready", ({ steps }) => steps.status.ready,
 *   (then) => then.step("promote", ...),
 *   (otherwise) => otherwise.step("issue", github.createIssue({ repo: "acme/app", title: "staging is not ready", labels: ["release"] })))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { GitHubConnection, callGitHub, githubClient, repoSchema, splitRepo } from "../client.js";

export const CreateIssueInput = z.object({
  /** `owner/name`. */
  repo: repoSchema,
  title: z.string().min(1),
  body: z.string().optional(),
  labels: z.array(z.string()).optional(),
  assignees: z.array(z.string()).optional(),
  ...GitHubConnection,
});

export const CreateIssueOutput = z.object({ number: z.number(), id: z.number(), url: z.string() });

export const createIssue = defineTask({
  type: "github.createIssue",
  description: "Opens a GitHub issue",
  input: CreateIssueInput,
  output: CreateIssueOutput,
  run: async (input, ctx) => {
    const octokit = await githubClient(input, ctx);
    const { data } = await callGitHub(ctx, `create issue in ${input.repo}`, () =>
      octokit.rest.issues.create({ ...splitRepo(input.repo), title: input.title, ...(input.body !== undefined ? { body: input.body } : {}), ...(input.labels ? { labels: input.labels } : {}), ...(input.assignees ? { assignees: input.assignees } : {}) }),
    );
    ctx.log.info(`opened ${input.repo}#${data.number}: ${data.html_url}`);
    return { number: data.number, id: data.id, url: data.html_url };
  },
});
