/**
 * The bad-input corpus: every `cases/*.json` file is one input Capstan must reject with a clear
 * error (code, a message naming the problem, a hint saying what to do) before writing to a cluster.
 * This file loads and checks the case files; corpus.test.ts runs them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const expectSchema = z.strictObject({
  code: z.string().regex(/^CAPSTAN_[A-Z0-9_]+$/),
  /** Regex (case-insensitive) the error message must match. */
  message: z.string().min(1),
  /** Regex (case-insensitive) the hint must match. */
  hint: z.string().min(1),
  /** CLI cases: the process exit code. */
  exitCode: z.number().int().optional(),
});

const common = {
  description: z.string().min(1),
  expect: expectSchema,
  /** Only the apiserver can tell (server-side validation): write requests it rejected (status >= 400) are allowed. */
  serverRejects: z.boolean().default(false),
};
/** `{ "$secret": "NAME" }` anywhere in params becomes secret("NAME"); strings may use the placeholders of corpus.test.ts. */
const params = z.record(z.string(), z.unknown());

export const caseSchema = z.discriminatedUnion("feeds", [
  /** A kubectl-like task with these parameters, run in a one-step flow against the shared emulated cluster. */
  z.strictObject({ feeds: z.literal("task"), task: z.enum(["apply", "get", "patch", "delete", "restart", "podCreate"]), params, secrets: z.record(z.string(), z.string()).optional(), files: z.record(z.string(), z.string()).optional(), ...common }),
  /** A flow of fixtures/flows.ts run with these inputs (and secrets). */
  z.strictObject({ feeds: z.literal("flow"), flow: z.string(), inputs: z.unknown().optional(), secrets: z.record(z.string(), z.string()).optional(), ...common }),
  /** A POST to the webhook of fixtures/flows.ts's `release` flow served by @capstan/server. */
  z.strictObject({ feeds: z.literal("webhook"), body: z.union([z.string(), z.strictObject({ repeat: z.string(), times: z.number().int().positive() })]), ...common }),
  /** The real CLI: `capstan <args>` (or `tsx <args>` with via "tsx"), with KUBECONFIG pointing at the shared cluster. */
  z.strictObject({ feeds: z.literal("cli"), via: z.enum(["capstan", "tsx"]), args: z.array(z.string()), ...common }),
]);

export type Case = z.infer<typeof caseSchema> & { file: string };

export const casesDir = join(import.meta.dirname, "cases");

export function loadCases(): Case[] {
  return readdirSync(casesDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const parsed = caseSchema.safeParse(JSON.parse(readFileSync(join(casesDir, file), "utf8")));
      if (!parsed.success) throw new Error(`test/bad-input/cases/${file} is not a valid case: ${z.prettifyError(parsed.error)}`);
      return { ...parsed.data, file };
    });
}
