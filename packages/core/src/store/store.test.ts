import { appendFileSync, mkdtempSync, readFileSync, writeFileSync, utimesSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow, type AnyFlow } from "../dsl/flow.js";
import { ExecutionStore, retentionFromEnv } from "./store.js";
import type { RecordLine } from "./types.js";

const home = () => mkdtempSync(join(tmpdir(), "capstan-store-"));
/** A pid that belonged to a process that has exited: what a SIGKILLed run leaves in its lock. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

const sample = flow({ id: "sample", inputs: z.object({ n: z.number().default(2) }) })
  .step("a", ({ inputs, log }) => {
    log.info("starting", { n: inputs.n });
    return { n: inputs.n };
  })
  .step("b", (() => {
    let tries = 0;
    return () => {
      if (++tries === 1) throw new Error("flaky");
      return "ok";
    };
  })(), { retry: { attempts: 2, delay: 1 } })
  .forEach("each", [1, 2, 3], (b) => b.step("sq", ({ item }) => item * item));

async function record(store: ExecutionStore, f: AnyFlow = sample, inputs: unknown = { n: 5 }) {
  const rec = store.begin({ flowId: f.id, inputs, labels: { team: "x" }, trigger: { type: "manual", via: "api" }, flowFile: "flows/sample.ts" });
  const ex = await f.run({ inputs: inputs as never, executionId: rec.id, onEvent: rec.onEvent });
  rec.complete(ex);
  return { rec, ex };
}

describe("ExecutionStore", () => {
  it("records inputs, labels, trigger, steps with attempts, timings, outputs, and the log", async () => {
    const store = new ExecutionStore({ dir: home() });
    const { rec, ex } = await record(store);
    expect(ex.state).toBe("SUCCESS");
    const got = await store.get(rec.id);
    expect(got).toMatchObject({ id: rec.id, flowId: "sample", state: "SUCCESS", inputs: { n: 5 }, labels: { team: "x" }, trigger: { type: "manual", via: "api" }, runs: 1, torn: false });
    expect(got.flowFile).toMatch(/flows\/sample\.ts$/);
    expect(got.steps.a).toMatchObject({ state: "SUCCESS", attempts: 1, output: { n: 5 } });
    expect(got.steps.b).toMatchObject({ state: "SUCCESS", attempts: 2, output: "ok", retries: [{ attempt: 1, error: { message: "flaky" } }] });
    expect(got.steps.each).toMatchObject({ kind: "forEach", items: { total: 3, succeeded: 3, failed: 0 }, output: [{ sq: 1 }, { sq: 4 }, { sq: 9 }] });
    expect(got.steps["each[2].sq"]).toMatchObject({ state: "SUCCESS", output: 9 });
    expect(got.steps.a!.durationMs).toBeGreaterThanOrEqual(0);
    expect(got.outputs).toEqual(ex.outputs);
    expect(got.logs).toEqual([expect.objectContaining({ path: "a", level: "info", message: "starting", fields: { n: 5 } })]);
    expect(existsSync(join(store.dir, `${rec.id}.lock`))).toBe(false);
  });

  it("records a failure with its error", async () => {
    const store = new ExecutionStore({ dir: home() });
    const f = flow({ id: "bad" }).step("boom", () => {
      throw new Error("kaput");
    });
    const { rec } = await record(store, f, {});
    const got = await store.get(rec.id);
    expect(got.state).toBe("FAILED");
    expect(got.error).toMatchObject({ code: "CAPSTAN_STEP_FAILED", message: "kaput", stepPath: "boom" });
    expect(got.steps.boom).toMatchObject({ state: "FAILED", error: { message: "kaput" } });
  });

  it("drops a torn last line, and a resumed writer cuts it off before appending", async () => {
    const store = new ExecutionStore({ dir: home() });
    const { rec } = await record(store);
    const whole = readFileSync(rec.file, "utf8").trimEnd().split("\n");
    // Simulate a crash mid-write: everything up to the forEach, then half a line.
    const cut = whole.findIndex((l) => l.includes('"each[0].sq"'));
    writeFileSync(rec.file, `${whole.slice(0, cut).join("\n")}\n${whole[cut]!.slice(0, 25)}`);
    const got = await store.get(rec.id);
    expect(got.torn).toBe(true);
    expect(got.state).toBe("INTERRUPTED");
    expect(got.steps.b?.state).toBe("SUCCESS");
    const again = store.reopen(rec.id);
    again.close();
    const lines = readFileSync(rec.file, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(JSON.parse(lines.at(-2)!)).toMatchObject({ type: "record.resumed", pid: process.pid });
    expect((await store.get(rec.id)).torn).toBe(false);
  });

  it("skips lines that do not parse (zeroed blocks after a machine crash)", async () => {
    const store = new ExecutionStore({ dir: home() });
    const { rec } = await record(store);
    appendFileSync(rec.file, `${"\0".repeat(40)}\n`);
    expect((await store.get(rec.id)).state).toBe("SUCCESS");
  });

  it("tells interrupted from running by the lock's process", async () => {
    const store = new ExecutionStore({ dir: home() });
    let release!: () => void;
    const f = flow({ id: "slow" }).step("wait", () => new Promise<void>((r) => (release = r)));
    const rec = store.begin({ flowId: f.id, trigger: { type: "manual", via: "api" } });
    const running = f.run({ executionId: rec.id, onEvent: rec.onEvent });
    await new Promise((r) => setTimeout(r, 5));
    expect((await store.get(rec.id)).state).toBe("RUNNING");
    // The same record, but the process holding it is gone.
    writeFileSync(join(store.dir, `${rec.id}.lock`), JSON.stringify({ pid: deadPid(), host: (await import("node:os")).hostname(), time: 0 }));
    const ex = await store.get(rec.id);
    expect(ex.state).toBe("INTERRUPTED");
    expect(ex.steps.wait?.state).toBe("INTERRUPTED");
    expect(() => store.reopen(rec.id).close()).not.toThrow();
    release();
    rec.complete(await running);
  });

  it("refuses to reopen an execution a live process holds", async () => {
    const store = new ExecutionStore({ dir: home() });
    const rec = store.begin({ flowId: "x", trigger: { type: "manual", via: "api" } }).open();
    expect(() => store.reopen(rec.id)).toThrow(/is being run by process/);
    expect((await store.get(rec.id)).state).toBe("QUEUED");
    rec.close();
  });

  it("keeps concurrent runs apart, lists newest first with filters, and resolves id prefixes", async () => {
    const store = new ExecutionStore({ dir: home() });
    const bad = flow({ id: "bad" }).step("boom", () => {
      throw new Error("no");
    });
    const runs = await Promise.all([record(store), record(store), record(store, bad, {}), record(store)]);
    const all = await store.list();
    expect(all).toHaveLength(4);
    expect(all.map((s) => s.createdAt)).toEqual([...all.map((s) => s.createdAt)].sort((a, b) => b - a));
    expect((await store.list({ flowId: "sample" })).length).toBe(3);
    expect((await store.list({ state: "FAILED" })).map((s) => s.flowId)).toEqual(["bad"]);
    expect((await store.list({ limit: 2 })).length).toBe(2);
    for (const { rec } of runs) {
      const lines = await store.lines(rec.id);
      expect(lines.every((l) => l.type === "record.created" || l.type === "record.outputs" || ("executionId" in l && l.executionId === rec.id))).toBe(true);
    }
    const id = runs[0]!.rec.id;
    expect(await store.resolveId(id.slice(0, 8))).toBe(id);
    await expect(store.resolveId("zzzz")).rejects.toThrow(/no execution zzzz/);
  });

  it("prunes finished records past the retention, never live ones", async () => {
    const store = new ExecutionStore({ dir: home(), retention: { maxAge: "1d", maxExecutions: 2 } });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await record(store)).rec.id);
    const old = Date.now() / 1000 - 3 * 86400;
    utimesSync(join(store.dir, `${ids[0]}.jsonl`), old, old);
    const live = store.begin({ flowId: "x", trigger: { type: "manual", via: "api" } }).open();
    utimesSync(live.file, old, old);
    expect(store.prune()).toBe(2);
    const left = (await store.list()).map((s) => s.id).sort();
    expect(left).toEqual([ids[2], ids[3], live.id].sort());
    live.close();
  });

  it("reads retention from CAPSTAN_RETENTION", () => {
    expect(retentionFromEnv(undefined)).toEqual({ maxAge: "30d" });
    expect(retentionFromEnv("7d,100")).toEqual({ maxAge: "7d", maxExecutions: 100 });
    expect(() => retentionFromEnv("soon")).toThrow(/not a duration/);
  });

  it("follows a record as it is written, until the execution finishes", async () => {
    const store = new ExecutionStore({ dir: home() });
    let release!: () => void;
    const f = flow({ id: "f" })
      .step("one", ({ log }) => log.info("first"))
      .step("two", async ({ log }) => {
        await new Promise<void>((r) => (release = r));
        log.info("second");
      });
    const rec = store.begin({ flowId: f.id, trigger: { type: "manual", via: "api" } });
    const running = f.run({ executionId: rec.id, onEvent: rec.onEvent }).then((ex) => rec.complete(ex));
    const seen: string[] = [];
    for await (const line of store.follow(rec.id, { pollMs: 2 })) {
      if (line.type === "log") {
        seen.push(line.message);
        if (line.message === "first") release();
      }
    }
    await running;
    expect(seen).toEqual(["first", "second"]);
  });

  it("survives outputs that JSON cannot hold", async () => {
    const store = new ExecutionStore({ dir: home() });
    const cyclic: Record<string, unknown> = { big: 10n };
    cyclic.self = cyclic;
    const { rec } = await record(store, flow({ id: "odd" }).step("v", () => cyclic), {});
    expect((await store.get(rec.id)).steps.v?.output).toEqual({ big: "10n", self: "[circular]" });
  });

  it("stores nothing for a run whose inputs were invalid", async () => {
    const store = new ExecutionStore({ dir: home() });
    const rec = store.begin({ flowId: sample.id, trigger: { type: "manual", via: "api" } });
    await expect(sample.run({ inputs: { n: "x" } as never, executionId: rec.id, onEvent: rec.onEvent })).rejects.toThrow(/invalid inputs/);
    rec.close();
    expect(await store.list()).toEqual([]);
  });

  it("rebuilds the resume state from the record", async () => {
    const store = new ExecutionStore({ dir: home() });
    const { rec } = await record(store);
    const lines: RecordLine[] = await store.lines(rec.id);
    expect(lines[0]).toMatchObject({ type: "record.created", v: 1 });
    const state = await store.resumeState(rec.id);
    expect(Object.keys(state.completed)).toContain("each[1].sq");
  });
});
