/** End-to-end: `capstan serve` as a real process: webhooks, after-chaining, SIGTERM, then `capstan resume`. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ExecutionStore } from "@capstan/core";
import { bin, capstan, fixture, start, tempDir } from "./helpers.js";

const KEY = "k3y-for-tests";
const effects = (dir: string) => (existsSync(join(dir, "effects.log")) ? readFileSync(join(dir, "effects.log"), "utf8").trim().split("\n") : []);

// A failed assertion must not leave a server running: every started server is killed after its test.
const servers: ReturnType<typeof start>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
});

async function serveProcess(home: string, dir: string, grace: string) {
  const p = start([bin, "serve", fixture("served"), "--port", "0", "--grace", grace], home, { CAPSTAN_SECRET_HOOK_KEY: KEY, NOTIFY_DIR: dir });
  servers.push(p);
  const out = await p.waitFor(/listening on (http:\S+)/);
  const url = /listening on (http:\S+)/.exec(out)![1]!;
  return { ...p, url };
}

async function post(url: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    // Not there yet (e.g. the record is created just after the webhook answered) counts as "not yet".
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("capstan serve (real process)", { timeout: 90_000 }, () => {
  it("serves webhooks with auth, chains `after`, and on SIGTERM leaves an unfinished execution resumable", async () => {
    const home = tempDir();
    const dir = tempDir();
    const store = new ExecutionStore({ dir: home });
    const server = await serveProcess(home, dir, "100ms");
    expect((await post(`${server.url}/webhooks/hook`, { dir, name: "x" })).status).toBe(401);
    expect((await post(`${server.url}/webhooks/hook`, { dir, name: "x" }, "wrong")).status).toBe(403);
    const bad = await post(`${server.url}/webhooks/hook`, { dir, name: "NOT-LOWER" }, KEY);
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe("name");
    expect(await store.list()).toEqual([]);

    // One that finishes (its go file is there), waited for, then chained to `notify`.
    writeFileSync(join(dir, "go-quick"), "");
    const quick = await post(`${server.url}/webhooks/hook?wait=true`, { dir, name: "quick" }, KEY);
    expect(quick).toMatchObject({ status: 200, body: { state: "SUCCESS", outputs: { prepare: "QUICK", work: "worked quick" } } });
    await until(() => effects(dir).includes("notify hook said QUICK"), "the after-triggered flow");

    // One still running at shutdown.
    const slow = await post(`${server.url}/webhooks/hook`, { dir, name: "slow" }, KEY);
    expect(slow.status).toBe(202);
    await until(async () => (await store.get(slow.body.executionId)).logs.length > 0, "the slow execution to start waiting");
    server.child.kill("SIGTERM");
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain(`left resumable: capstan resume ${slow.body.executionId}`);
    expect((await store.get(slow.body.executionId)).state).toBe("INTERRUPTED");
    const list = await store.list();
    expect(list.map((e) => `${e.flowId} ${e.state} ${e.trigger.type}`).sort()).toEqual(["hook INTERRUPTED webhook", "hook SUCCESS webhook", "notify SUCCESS after"]);

    writeFileSync(join(dir, "go-slow"), "");
    const resumed = await capstan(home, "resume", slow.body.executionId, "-o", "plain");
    expect(resumed.code).toBe(0);
    expect(effects(dir).filter((e) => e.endsWith(" slow"))).toEqual(["prepare slow", "work slow", "work slow"]);
    expect(await store.get(slow.body.executionId)).toMatchObject({ state: "SUCCESS", runs: 2 });
  }, 60_000);

  it("on SIGTERM lets a running execution finish within the grace period and accepts nothing new", async () => {
    const home = tempDir();
    const dir = tempDir();
    const store = new ExecutionStore({ dir: home });
    const server = await serveProcess(home, dir, "20s");
    const running = await post(`${server.url}/webhooks/hook`, { dir, name: "grace" }, KEY);
    await until(async () => (await store.get(running.body.executionId)).logs.length > 0, "the execution to start waiting");
    server.child.kill("SIGTERM");
    await until(async () => (await fetch(`${server.url}/healthz`).then((r) => r.status, () => 0)) !== 200, "shutdown to begin");
    // Refused: 503 while the listener drains, or the connection itself once it has closed.
    const late = await post(`${server.url}/webhooks/hook`, { dir, name: "late" }, KEY).then((r) => r.status, () => "refused");
    expect([503, "refused"]).toContain(late);
    writeFileSync(join(dir, "go-grace"), "");
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/stopped: 1 finished\n/);
    expect((await store.get(running.body.executionId)).state).toBe("SUCCESS");
    expect(effects(dir).some((e) => e.includes("late"))).toBe(false);
  }, 60_000);
});
