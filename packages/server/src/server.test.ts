import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { after, flow, secret, webhook, type AnyFlow } from "@capstan/core";
import type { CapstanServer } from "./server.js";
import { loadFlows } from "./load.js";
import { gate, post, startServer } from "./test-helpers.js";

let server: CapstanServer | undefined;
afterEach(async () => {
  await server?.shutdown(1000);
  server = undefined;
});

const build = flow({ id: "build", inputs: z.object({ fail: z.boolean().default(false) }) }).step("compile", ({ inputs }) => {
  if (inputs.fail) throw new Error("compile error");
  return { artifact: "app-1.2.3.tgz" };
});

describe("after", () => {
  it("starts the downstream flow with inputs mapped from the upstream outputs, on success only", async () => {
    const deploy = flow({ id: "deploy", inputs: z.object({ artifact: z.string() }), triggers: [after(build, { on: "success", inputs: (out) => ({ artifact: out!.compile.artifact }) })] })
      .step("ship", ({ inputs }) => `shipped ${inputs.artifact}`);
    const s = await startServer([build, deploy]);
    server = s.server;
    const up = await server.run("build");
    await up.done;
    await server.idle();
    const down = (await s.store.list({ flowId: "deploy" }))[0]!;
    expect(down.trigger).toEqual({ type: "after", flowId: "build", executionId: up.executionId, state: "SUCCESS" });
    expect((await s.store.get(down.id)).steps.ship?.output).toBe("shipped app-1.2.3.tgz");
    await (await server.run("build", { fail: true })).done;
    await server.idle();
    expect((await s.store.list({ flowId: "deploy" })).length).toBe(1);
  });

  it("on failure: runs with the upstream error, not on success", async () => {
    const page = flow({ id: "page", inputs: z.object({ why: z.string() }), triggers: [after("build", { on: "failure", inputs: (_out, up) => ({ why: `${up.flowId} ${up.state}: ${up.error?.message}` }) })] })
      .step("notify", ({ inputs }) => inputs.why);
    const s = await startServer([build, page]);
    server = s.server;
    await (await server.run("build")).done;
    await (await server.run("build", { fail: true })).done;
    await server.idle();
    const pages = await s.store.list({ flowId: "page" });
    expect(pages.length).toBe(1);
    expect((await s.store.get(pages[0]!.id)).steps.notify?.output).toBe("build FAILED: compile error");
  });

  it("refuses to serve a flow that runs after a flow it does not have", async () => {
    const orphan = flow({ id: "orphan", triggers: [after("missing", { on: "any" })] }).step("a", () => 1);
    await expect(startServer([orphan])).rejects.toThrow(/runs after "missing", but no loaded flow has that id/);
  });
});

describe("concurrency limits", () => {
  const slow = (g: ReturnType<typeof gate>) => flow({ id: "slow", triggers: [webhook({ path: "slow", key: secret("HOOK_KEY") })] }).step("work", () => g.wait());

  it("queue: the newcomer waits its turn, recorded as QUEUED", async () => {
    const g = gate();
    const s = await startServer([slow(g)], { concurrency: { slow: { limit: 1, onLimit: "queue" } } });
    server = s.server;
    const first = await server.run("slow");
    const second = await server.run("slow");
    expect([first.state, second.state]).toEqual(["RUNNING", "QUEUED"]);
    expect((await s.store.get(second.executionId)).state).toBe("QUEUED");
    await g.reached;
    g.open();
    await second.done;
    expect((await s.store.get(second.executionId)).state).toBe("SUCCESS");
  });

  for (const policy of ["cancel", "fail"] as const) {
    it(`${policy}: the newcomer is recorded ${policy === "cancel" ? "CANCELLED" : "FAILED"} without running; a webhook gets 429`, async () => {
      const g = gate();
      const s = await startServer([slow(g)], { concurrency: { slow: { limit: 1, onLimit: policy } } });
      server = s.server;
      await server.run("slow");
      await g.reached;
      const r = await post(`${server.url}/webhooks/slow`, "{}", { Authorization: "Bearer s3cret-key" });
      const state = policy === "cancel" ? "CANCELLED" : "FAILED";
      expect(r.status).toBe(429);
      expect(r.body).toMatchObject({ state, error: { code: "CAPSTAN_CONCURRENCY_LIMIT" } });
      const ex = await s.store.get(r.body.executionId);
      expect(ex).toMatchObject({ state, error: { code: "CAPSTAN_CONCURRENCY_LIMIT" }, steps: {} });
      g.open();
      await server.idle();
    });
  }
});

describe("graceful shutdown", () => {
  it("lets running executions finish within the grace period and refuses new work", async () => {
    const g = gate();
    const f = flow({ id: "job", triggers: [webhook({ path: "job", key: secret("HOOK_KEY") })] }).step("work", async () => (await g.wait(), "done"));
    const s = await startServer([f]);
    server = s.server;
    const started = await server.run("job");
    await g.reached;
    const stopping = server.shutdown(5_000);
    await expect(server.run("job")).rejects.toThrow(/shutting down/);
    g.open();
    expect(await stopping).toEqual({ finished: 1, suspended: [] });
    expect((await s.store.get(started.executionId)).state).toBe("SUCCESS");
    await expect(post(`${server.url}/webhooks/job`, "{}", { Authorization: "Bearer s3cret-key" })).rejects.toThrow();
  });

  it("leaves executions still running at the deadline, and queued ones, resumable", async () => {
    const g = gate();
    const calls: string[] = [];
    const f: AnyFlow = flow({ id: "long" })
      .step("first", () => (calls.push("first"), 1))
      .step("wait", async ({ resumed }) => {
        calls.push(`wait resumed=${resumed !== undefined}`);
        if (!resumed) await g.wait();
        return 2;
      });
    const s = await startServer([f], { concurrency: { long: { limit: 1, onLimit: "queue" } } });
    server = s.server;
    const running = await server.run("long");
    const queued = await server.run("long");
    await g.reached;
    const result = await server.shutdown(20);
    expect(result).toEqual({ finished: 0, suspended: [queued.executionId, running.executionId] });
    const ex = await s.store.get(running.executionId);
    expect(ex.state).toBe("INTERRUPTED");
    expect(ex.steps.wait?.state).toBe("INTERRUPTED");
    expect((await s.store.get(queued.executionId)).state).toBe("INTERRUPTED");

    // What `capstan resume` does: same id, recorded inputs, reused outputs.
    calls.length = 0;
    const rec = s.store.reopen(running.executionId);
    const resumed = await f.run({ executionId: rec.id, resume: await s.store.resumeState(rec.id), onEvent: rec.onEvent });
    rec.complete(resumed);
    expect(calls).toEqual(["wait resumed=true"]);
    expect((await s.store.get(running.executionId))).toMatchObject({ state: "SUCCESS", runs: 2 });
    g.open();
  });
});

describe("loadFlows", () => {
  it("loads every exported flow under a directory, skipping tests", async () => {
    const dir = mkdtempSync(join(tmpdir(), "capstan-flows-"));
    mkdirSync(join(dir, "nested"));
    const core = resolve(import.meta.dirname, "../../core/src/index.ts");
    writeFileSync(join(dir, "a.ts"), `import { flow } from ${JSON.stringify(core)};\nexport const a = flow({ id: "a" }).step("x", () => 1);\nexport default a;\nexport const b = flow({ id: "b" }).step("y", () => 2);\n`);
    writeFileSync(join(dir, "nested", "c.ts"), `import { flow } from ${JSON.stringify(core)};\nexport default flow({ id: "c" }).step("z", () => 3);\n`);
    writeFileSync(join(dir, "a.test.ts"), "throw new Error('a test file must not be loaded');\n");
    const flows = await loadFlows([dir]);
    expect(flows.map((f) => f.flow.id).sort()).toEqual(["a", "b", "c"]);
    expect(flows.find((f) => f.flow.id === "c")?.file).toBe(join(dir, "nested", "c.ts"));
    writeFileSync(join(dir, "dup.ts"), `import { flow } from ${JSON.stringify(core)};\nexport default flow({ id: "a" }).step("x", () => 1);\n`);
    await expect(loadFlows([dir])).rejects.toThrow(/two flows have the id "a"/);
    await expect(loadFlows([join(dir, "none")])).rejects.toThrow(/does not exist/);
  });
});
