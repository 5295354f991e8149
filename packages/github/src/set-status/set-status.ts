/**
 * `github.setStatus`: sets a commit status (the check shown on a pull request) for a SHA.
 *
 * @example
 * .step("status", github.setStatus(({ inputs }) => ({ repo: "acme/app", sha: inputs.sha, state: "success", context: "capstan/staging", description: "staging healthy" })))
 */
import { z } from "zod";
import { defineTask } from "@capstan/core";
import { GitHubConnection, callGitHub, githubClient, repoSchema, splitRepo } from "../client.js";

export const SetStatusInput = z.object({
  repo: repoSchema,
  /** The commit SHA. */
  sha: z.string().regex(/^[0-9a-f]{7,40}$/i, "expected a commit SHA"),
  state: z.enum(["error", "failure", "pending", "success"]),
  /** Names the check; one status per context. Default `capstan`. */
  context: z.string().default("capstan"),
  description: z.string().max(140).optional(),
  targetUrl: z.url().optional(),
  ...GitHubConnection,
});

export const SetStatusOutput = z.object({ id: z.number(), state: z.string(), context: z.string() });

export const setStatus = defineTask({
  type: "github.setStatus",
  description: "Sets a commit status",
  input: SetStatusInput,
  output: SetStatusOutput,
  run: async (input, ctx) => {
    const octokit = await githubClient(input, ctx);
    const { data } = await callGitHub(ctx, `set status on ${input.repo}@${input.sha.slice(0, 7)}`, () =>
      octokit.rest.repos.createCommitStatus({
        ...splitRepo(input.repo),
        sha: input.sha,
        state: input.state,
        context: input.context,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.targetUrl !== undefined ? { target_url: input.targetUrl } : {}),
      }),
    );
    ctx.log.info(`${input.context} → ${data.state} on ${input.repo}@${input.sha.slice(0, 7)}`);
    return { id: data.id, state: data.state, context: data.context };
  },
});
