/** The instrumentation hook the secret canary uses: what an observer receives, and that it cannot break a run. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { flow } from "../dsl/flow.js";
import { markSecret } from "../runtime/masking.js";
import { staticSecrets } from "../runtime/secrets.js";
import { MemoryArtifactStore } from "../runtime/storage.js";
import { ExecutionStore } from "../store/store.js";
import { observeExecutions, observerCount, watchExecution, type ClosedRecord, type SettledExecution } from "./observe.js";

const stops: (() => void)[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const f = flow({ id: "observed" }).step("a", async (ctx) => {
  const token = await ctx.secret("TOKEN");
  markSecret(ctx, { password: "pa55-word-x" });
  await ctx.storage.put("out.txt", "hello");
  await ctx.storage.put("capstan://elsewhere/x.txt", "there");
  ctx.log.info(`using ${token}`);
  return { ok: true };
});

describe("observeExecutions", () => {
  it("gives each settled execution its result, delivered events, written URIs and named secrets", async () => {
    const settled: SettledExecution[] = [];
    const closed: ClosedRecord[] = [];
    const before = observerCount();
    stops.push(observeExecutions({ settled: (e) => void settled.push(e), recordClosed: (r) => void closed.push(r) }));
    expect(observerCount()).toBe(before + 1);
    const home = mkdtempSync(join(tmpdir(), "capstan-observe-"));
    dirs.push(home);
    const rec = new ExecutionStore({ dir: home }).begin({ flowId: "observed", trigger: { type: "manual", via: "api" } });
    const storage = new MemoryArtifactStore();
    const ex = await f.run({ executionId: rec.id, secrets: [staticSecrets({ TOKEN: "tok-123456" })], storage, onEvent: rec.onEvent });
    rec.complete(ex);
    const s = settled.find((x) => x.executionId === ex.id)!;
    expect(s.result).toBe(ex);
    expect(s.flowId).toBe("observed");
    expect(s.prefix).toBe(`capstan://observed/${ex.id}/`);
    expect(s.storage).toBe(storage);
    expect(s.written).toEqual([`capstan://observed/${ex.id}/out.txt`, "capstan://elsewhere/x.txt"]);
    expect(s.events.map((e) => e.type)).toEqual(["execution.started", "step.started", "log", "step.finished", "execution.finished"]);
    expect(s.secrets).toEqual([
      { name: 'secret "TOKEN"', value: "tok-123456" },
      { name: 'markSecret in step "a" at .password', value: "pa55-word-x" },
    ]);
    expect(closed).toContainEqual({ executionId: ex.id, file: rec.file });
  });

  it("an observer that throws does not change the run; without listeners there are no events", async () => {
    stops.push(observeExecutions({ settled: () => Promise.reject(new Error("observer bug")), recordClosed: () => { throw new Error("bug"); } }));
    const seen: SettledExecution[] = [];
    stops.push(observeExecutions({ settled: (e) => void seen.push(e) }));
    const ex = await f.run({ secrets: [staticSecrets({ TOKEN: "tok-123456" })], storage: new MemoryArtifactStore() });
    expect(ex.state).toBe("SUCCESS");
    expect(seen.at(-1)?.events).toEqual([]);
  });

  it("a watch is made only while someone observes; unregistering removes the observer", () => {
    const before = observerCount();
    const stop = observeExecutions({});
    expect(watchExecution()).toBeDefined();
    stop();
    expect(observerCount()).toBe(before);
  });
});
