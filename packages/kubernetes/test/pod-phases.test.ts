/**
 * podCreate says which phase it is in (`ctx.phase`), and a cancellation is prompt in every phase,
 * also while the apiserver holds the exec that carries the files (its WebSocket handshake).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutionEvent } from "@capstan/core";
import type { MockCluster } from "@capstan/testing";
import { noPodsLeft, pods, runPod, startCluster } from "./pod-helpers.js";

let cluster: MockCluster;

beforeAll(async () => {
  cluster = await startCluster();
  cluster.programs.register("capstan-test/write:*", (ctx) => {
    ctx.fs.writeFile(`${ctx.env.CAPSTAN_WORKING_DIR}/out.txt`, "out\n");
    return 0;
  });
});
afterAll(() => cluster.close());

const phases = (events: ExecutionEvent[]) => events.flatMap((e) => (e.type === "step.phase" ? [e.phase] : []));

describe("podCreate phases", () => {
  it("goes from creating through the input files and running to the output files", async () => {
    const run = await runPod(cluster, {
      spec: { initContainers: [{ name: "prepare", image: "capstan-test/write:1" }], containers: [{ name: "main", image: "capstan-test/write:1" }] },
      inputFiles: { "in.txt": "in\n" },
      outputFiles: ["out.txt"],
    });
    expect(run.execution.state).toBe("SUCCESS");
    const seen = phases(run.events);
    // Phases the watch may skip (a status it did not see) aside, these come in this order.
    const order = ["creating", "scheduling", "starting", "input-files", "init", "starting", "running", "output-files"];
    expect(seen.filter((p) => ["creating", "input-files", "running", "output-files"].includes(p))).toEqual(["creating", "input-files", "running", "output-files"]);
    let at = 0;
    for (const p of seen) {
      const next = order.indexOf(p, at);
      expect(next, `phase ${p} out of order in ${seen.join(", ")}`).toBeGreaterThanOrEqual(0);
      at = next;
    }
    await noPodsLeft(cluster);
  });

  it("cancels at once while the apiserver holds the input files' exec, and deletes the pod", async () => {
    const held = cluster.faults.add({ match: { resource: "pods", subresource: "exec" }, action: { type: "delay", ms: 20_000 } });
    try {
      const ac = new AbortController();
      let abortedAt = 0;
      const result = runPod(
        cluster,
        { spec: { containers: [{ name: "main", image: "capstan-test/write:1" }] }, inputFiles: { "in.txt": "in\n" } },
        {
          signal: ac.signal,
          onEvent: (e) => {
            if (e.type !== "step.phase" || e.phase !== "input-files") return;
            // The upload's exec has reached the apiserver, which holds it.
            const poll = setInterval(() => {
              if (held.fired === 0) return;
              clearInterval(poll);
              abortedAt = Date.now();
              ac.abort();
            }, 5);
          },
        },
      );
      const run = await result;
      // Before the fix the step waited out the handshake (20s, past the 10s cancel grace) and left the pod.
      expect(Date.now() - abortedAt).toBeLessThan(5_000);
      expect(run.execution.steps.job).toMatchObject({ state: "CANCELLED", error: { code: "CAPSTAN_CANCELLED", phase: "input-files" } });
      const [name] = run.events.flatMap((e) => (e.type === "log" && e.message.startsWith("deleted pod ") ? [e.message.slice(12)] : []));
      expect(name).toBeDefined();
      expect(cluster.requests.some((r) => r.method === "DELETE" && r.name === name)).toBe(true);
      await noPodsLeft(cluster);
      expect(pods(cluster)).toEqual([]);
    } finally {
      held.remove();
    }
  });
});
