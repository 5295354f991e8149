/**
 * One podCreate step from start to end: check the input files, find the step attempt's pod or
 * create it, send the input files, stream every container's log while waiting for the main
 * containers to finish (each phase bounded, failing fast with the reason), read the logs to their
 * last line, fail with the last lines on a non-zero exit, collect output files, and in every case
 * (success, failure, timeout, cancellation) delete the pod unless told to keep it.
 */
import { CapstanError, type TaskContext } from "@capstan/core";
import { connect } from "../../cluster/connect.js";
import type { KubeClient } from "../../client/client.js";
import { KubernetesError } from "../../errors.js";
import { durationMs, namespaceFor } from "../common.js";
import { collectOutputFiles, prepareInputFiles, releaseOutputContainer, uploadInputFiles, type TransferContext } from "./files.js";
import type { PodCreateInput, PodCreateOutput } from "./input.js";
import { allFinished, allStarted, completionProblem, containerStatus, exitCodes, hasStarted, initFilesState, problemError, startPhase, type Pod } from "./lifecycle.js";
import { logWarningEvents } from "./events.js";
import { PodLogs } from "./logs.js";
import { attachOrCreate, type PodCheckpoint } from "./resume.js";
import { buildPod, userContainerNames } from "./spec.js";
import { PodProblemError, PodWatch } from "./wait.js";

/** How long cleanup (releasing the file container, deleting the pod) may take after the step ends. */
const CLEANUP_MS = 30_000;

export async function runPod(input: PodCreateInput, ctx: TaskContext): Promise<PodCreateOutput> {
  const client = await connect(ctx, input.cluster);
  const namespace = namespaceFor(client, input.namespace);
  // Before any pod exists: a missing artifact must not leave a pod waiting for files (Kestra's #211).
  const files = input.inputFiles ? await prepareInputFiles(input.inputFiles, ctx.storage) : [];
  const outputPatterns = input.outputFiles ?? [];
  const identity = { executionId: ctx.execution.id, flowId: ctx.execution.flowId, stepPath: ctx.step.path, attempt: ctx.step.attempt };
  const desired = buildPod(
    { namespace, metadata: input.metadata, spec: input.spec, hasInputFiles: files.length > 0, hasOutputFiles: outputPatterns.length > 0, fileSidecar: input.fileSidecar },
    identity,
  );
  const containers = userContainerNames(desired.spec);
  const logged = new Set([...containers.init, ...containers.main]);
  const { signal, log } = ctx;

  let name = desired.metadata.name;
  let uid: string | undefined;
  let logs: PodLogs | undefined;
  let deleting = false;
  let ended = false;
  /** The main containers are done (a later failure leaves a kept pod that should still finish). */
  let mainsDone = false;
  let save = () => {};
  const transfer = (s: AbortSignal): TransferContext => ({ client, namespace, pod: name, signal: s, log });
  // A cancelled or timed-out step's record says which phase it was in ("scheduling", ...).
  ctx.phase("creating");
  try {
    const attached = await attachOrCreate({
      client,
      namespace,
      desired,
      identity,
      resumed: ctx.resumed,
      resume: input.resume,
      signal,
      log,
      waitGone: (n) => waitGone(client, namespace, n, signal),
    });
    name = attached.pod.metadata!.name!;
    uid = attached.pod.metadata?.uid;
    save = () => ctx.checkpoint({ pod: { name, namespace, uid: uid ?? "" }, logs: logs?.cursors() } satisfies PodCheckpoint);
    logs = new PodLogs({ client, namespace, pod: name, uid, ctx, signal, cursors: attached.cursors, onProgress: save });
    save();
    const podLogs = logs;
    const followStarted = (pod: Pod) => {
      for (const c of logged) if (!podLogs.following(c) && hasStarted(containerStatus(pod, c))) podLogs.follow(c);
      if (!mainsDone) ctx.phase(startPhase(pod, containers));
    };
    followStarted(attached.pod);
    const watch = new PodWatch({ client, namespace, name, uid, signal, log, failOnUnschedulable: input.unschedulable === "fail", onPod: followStarted, deleting: () => deleting });

    const startBudget = durationMs(input.waitUntilRunning);
    const startDeadline = Date.now() + startBudget;
    if (files.length) {
      const pod = await watch.until((p) => initFilesState(p) !== "pending", "start", startDeadline, String(input.waitUntilRunning));
      if (initFilesState(pod) === "running") await uploadInputFiles(transfer(signal), files);
    }
    await watch.until((p) => allStarted(p, containers.main), "start", startDeadline, String(input.waitUntilRunning));
    const runDeadline = input.timeout === undefined ? undefined : Date.now() + durationMs(input.timeout);
    let pod = await watch.until((p) => allFinished(p, containers.main), "finish", runDeadline, String(input.timeout));
    mainsDone = true;

    // Every container that ran is read to its last line before anything is reported.
    const finished = [...logged].filter((c) => podLogs.following(c) && allFinished(pod, [c]));
    await podLogs.drain(finished);
    await podLogs.finish();
    save();
    const problem = completionProblem(pod, containers);
    if (problem) throw problemError(name, problem, problem.container ? podLogs.lastLines(problem.container) : undefined);

    if (outputPatterns.length) ctx.phase("output-files");
    const outputFiles = outputPatterns.length ? await collectOutputFiles(transfer(signal), outputPatterns, ctx.storage, ctx.step.path) : {};
    if (outputPatterns.length) {
      await releaseOutputContainer(transfer(signal)).catch((err: unknown) => log.warn(`could not release the output file container: ${(err as Error).message}`));
      pod = watch.latest ?? pod;
    }
    ended = true;
    return {
      name,
      namespace,
      uid: uid ?? "",
      phase: "Succeeded",
      exitCodes: exitCodes(pod, [...containers.init, ...containers.main]),
      vars: { ...podLogs.vars },
      outputFiles,
      reattached: !attached.created,
    };
  } catch (err) {
    // The logs up to the failure, so the error can quote the container's last lines. A pod deleted
    // from outside is stopping: its containers' last lines are still coming.
    const stopping = err instanceof CapstanError && err.code === "CAPSTAN_K8S_POD_DELETED";
    await settle(logs?.finish(stopping ? 2_000 : 0), 5_000);
    if (uid !== undefined && !signal.aborted) await settle(logWarningEvents(client, namespace, name, uid, log, AbortSignal.timeout(5_000)), 5_000);
    if (err instanceof PodProblemError) throw problemError(name, err.problem, err.problem.container ? logs?.lastLines(err.problem.container) : undefined);
    throw err;
  } finally {
    const cleanupTimer = new AbortController();
    const timer = setTimeout(() => cleanupTimer.abort(new Error("cleanup took too long")), CLEANUP_MS);
    const cleanup = cleanupTimer.signal;
    if (uid !== undefined) {
      if (input.delete) {
        deleting = true;
        await deletePod(client, namespace, name, uid, cleanup, ctx);
      } else if (outputPatterns.length && mainsDone && !ended) {
        // A kept pod whose work is over should still reach its final phase: let the file container
        // exit. (A pod kept while still running is left as it is, for a resumed run to reattach.)
        await releaseOutputContainer(transfer(cleanup)).catch(() => {});
      }
    }
    await settle(logs?.finish(), 5_000);
    clearTimeout(timer);
    // Where the logs got to, for a resumed run that reattaches to a kept pod.
    if (!input.delete) save();
  }
}

async function deletePod(client: KubeClient, namespace: string, name: string, uid: string, signal: AbortSignal, ctx: TaskContext): Promise<void> {
  try {
    await client.json("DELETE", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, {
      body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background", preconditions: { uid } },
      signal,
    });
    ctx.log.info(`deleted pod ${name}`);
  } catch (err) {
    if (err instanceof KubernetesError && (err.httpStatus === 404 || err.httpStatus === 409)) return;
    ctx.log.warn(`could not delete pod ${name}: ${(err as Error)?.message ?? String(err)}`);
  }
}

async function waitGone(client: KubeClient, namespace: string, name: string, signal: AbortSignal): Promise<void> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      await client.json("GET", path, { signal });
    } catch (err) {
      if (err instanceof KubernetesError && err.httpStatus === 404) return;
      throw err;
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, delay);
      signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
    });
  }
}

/** Waits for a promise, at most `ms`, ignoring its failure (cleanup must not hide the real error). */
async function settle(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return;
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
