/**
 * `github.comment`: comments on an issue or a pull request (GitHub numbers them alike).
 *
 * @example
 * .step("comment", github.comment(({ inputs, steps }) => ({ repo: "acme/app", issue: inputs.pr, body: `deployed to staging: ${steps.deploy.url}` })))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { GitHubConnection, callGitHub, githubClient, repoSchema, splitRepo } from "../client.js";

export const CommentInput = z.object({
  repo: repoSchema,
  /** Issue or pull request number. */
  issue: z.number().int().positive(),
  body: z.string().min(1),
  ...GitHubConnection,
});

export const CommentOutput = z.object({ id: z.number(), url: z.string() });

export const comment = defineTask({
  type: "github.comment",
  description: "Comments on a GitHub issue or pull request",
  input: CommentInput,
  output: CommentOutput,
  run: async (input, ctx) => {
    const octokit = await githubClient(input, ctx);
    const { data } = await callGitHub(ctx, `comment on ${input.repo}#${input.issue}`, () => octokit.rest.issues.createComment({ ...splitRepo(input.repo), issue_number: input.issue, body: input.body }));
    ctx.log.info(`commented on ${input.repo}#${input.issue}: ${data.html_url}`);
    return { id: data.id, url: data.html_url };
  },
});
