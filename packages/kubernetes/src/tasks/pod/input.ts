/** podCreate's parameters (validated before the step runs) and its output. */
import { z } from "zod";
import { durationSchema, target } from "../common.js";
import { inputFileSchema } from "./files.js";
import type { PodSpec, ResourceRequirements } from "./spec.js";

const podSpecSchema = z.custom<PodSpec>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "expected a pod spec object").superRefine((spec, issue) => {
  const containers = (spec as { containers?: unknown }).containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    issue.addIssue({ code: "custom", message: "spec.containers must list at least one container", path: ["containers"] });
    return;
  }
  containers.forEach((c: { name?: unknown; image?: unknown } | null, i) => {
    if (typeof c?.name !== "string" || !c.name) issue.addIssue({ code: "custom", message: "every container needs a name", path: ["containers", i, "name"] });
    if (typeof c?.image !== "string" || !c.image) issue.addIssue({ code: "custom", message: "every container needs an image", path: ["containers", i, "image"] });
  });
});

export const podCreateInput = z.strictObject({
  ...target,
  metadata: z
    .strictObject({
      name: z.string().min(1).max(253).optional().describe("pod name (default: <flow>-<step>-<hash>, stable per execution, step and attempt)"),
      generateName: z.string().min(1).optional().describe("name prefix; a stable hash is appended"),
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: podSpecSchema.describe("the pod spec (restartPolicy defaults to Never)"),
  inputFiles: z.record(z.string(), inputFileSchema).optional().describe("files placed in the working directory before the containers start: path → text, bytes, { base64 }, or a capstan:// artifact URI"),
  outputFiles: z.array(z.string().min(1)).optional().describe("globs (relative to the working directory) of files stored as artifacts after the containers end"),
  fileSidecar: z
    .strictObject({
      image: z.string().min(1).optional().describe("image of the file containers; needs sh, tar, find, touch (default busybox:1.36)"),
      resources: z.custom<ResourceRequirements>((v) => typeof v === "object" && v !== null).optional(),
    })
    .optional(),
  delete: z.boolean().default(true).describe("delete the pod when the step ends (success, failure, timeout or cancellation); false keeps it"),
  resume: z.boolean().default(true).describe("reattach to this step attempt's existing pod instead of replacing it"),
  waitUntilRunning: durationSchema.default("10m").describe("how long the pod may take to start (scheduling, image pulls, input files)"),
  timeout: durationSchema.optional().describe("how long the containers may run once started (default: no limit but the step's)"),
  unschedulable: z.enum(["fail", "wait"]).default("fail").describe('"fail": fail at once when no node fits; "wait": wait (e.g. for a cluster autoscaler)'),
});

export type PodCreateInput = z.output<typeof podCreateInput>;

export interface PodCreateOutput {
  name: string;
  namespace: string;
  uid: string;
  /** The pod's final phase (a failed pod fails the step, so this is `Succeeded`). */
  phase: string;
  /** Exit code of each container (init containers included, file containers not). */
  exitCodes: Record<string, number>;
  /** Values from `::{"outputs":{...}}::` log lines. */
  vars: Record<string, unknown>;
  /** Relative path → capstan:// artifact URI, for each output file. */
  outputFiles: Record<string, string>;
  /** True when the step found and reattached to its pod instead of creating it. */
  reattached: boolean;
}
