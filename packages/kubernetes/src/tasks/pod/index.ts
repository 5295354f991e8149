/**
 * `podCreate`: run a pod as a flow step. Its containers' logs stream live into the execution log,
 * prefixed per container, with no line lost or doubled when a stream is cut; input files are
 * placed in the working directory before the containers start and output files come back as
 * artifacts; values printed as `::{"outputs":{...}}::` become `vars`. It fails fast and says why
 * (image pull back-off, no node fits, crash loop, non-zero exit with the last log lines, deleted by
 * someone else), deletes the pod whatever happens unless `delete: false`, and a re-run of the same
 * step attempt (resume) reattaches to its pod instead of creating a second one.
 *
 * @example
 * flow({ id: "train" }).step(
 *   "train",
 *   podCreate({
 *     spec: { containers: [{ name: "main", image: "python:3.12", command: ["python", "train.py"] }] },
 *     inputFiles: { "data.csv": "capstan://ingest/1f0c/data.csv" },
 *     outputFiles: ["model/**"],
 *   }),
 * );
 */
import { defineTask } from "@capstan/core";
import { podCreateInput, type PodCreateOutput } from "./input.js";
import { runPod } from "./run.js";

export const podCreate = defineTask({
  type: "kubernetes.podCreate",
  description: "Run a pod to completion: live logs, files in and out, outputs from its log",
  input: podCreateInput,
  run: (input, ctx): Promise<PodCreateOutput> => runPod(input, ctx),
});

export { WORKING_DIR } from "./spec.js";
export type { PodCreateInput, PodCreateOutput } from "./input.js";
