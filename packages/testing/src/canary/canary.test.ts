/**
 * The secret canary catches leaks: each test leaks a registered value on purpose, through a path
 * masking cannot cover, and asserts on what the canary found, draining it so the suite's own
 * canary (test/setup/secret-canary.ts) does not fail the test. A clean run finds nothing.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExecutionStore, flow, markSecret, MemoryArtifactStore, secret, staticSecrets, type ArtifactStore } from "@capstan/core";
import { installSecretCanary, activeSecretCanary, formatLeak, SecretLeakError, type SuiteCanary, type SuiteLeak } from "./index.js";

const TOKEN = "canary-T0ken/with+chars&=";
const b64 = (s: string) => Buffer.from(s).toString("base64");

let canary: SuiteCanary;
let ownCanary = false;
const dirs: string[] = [];
beforeEach(() => {
  // Under the suite's setup the canary is already installed; alone, this file installs its own.
  ownCanary = activeSecretCanary() === undefined;
  canary = installSecretCanary();
  canary.take();
});
afterEach(() => {
  if (ownCanary) canary.uninstall();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "capstan-canary-test-"));
  dirs.push(d);
  return d;
};

/** Each leak as `secret | where | encoding`, where with the execution-specific parts cut. */
function summary(leaks: SuiteLeak[], executionId: string): string[] {
  return leaks.map((l) => `${l.secret} | ${l.where.replace(executionId, "<id>").replace(/record file .*\.jsonl/, "record file")} | ${l.encoding}`).sort();
}

describe("the secret canary", () => {
  it("finds nothing in a run whose secrets were masked everywhere", async () => {
    const storage = new MemoryArtifactStore();
    const ex = await flow({ id: "clean" })
      .step("use", async (ctx) => {
        const t = await ctx.secret("TOKEN");
        ctx.log.info(`token ${t} b64 ${b64(t)} url ${encodeURIComponent(t)}`);
        await ctx.storage.put("out.txt", `token=${t}`);
        return { t, b64: b64(t) };
      })
      .run({ secrets: [staticSecrets({ TOKEN })], storage, onEvent: () => {} });
    expect(ex.state).toBe("SUCCESS");
    expect(canary.take()).toEqual([]);
  });

  it("binary artifacts through ctx.storage are masked too: same length, nothing for the canary", async () => {
    const storage = new MemoryArtifactStore();
    const bytes = Buffer.concat([Buffer.from([0xff, 0, 1]), Buffer.from(TOKEN), Buffer.from([0xfe])]);
    const ex = await flow({ id: "bin" })
      .step("dump", async (ctx) => {
        await ctx.secret("TOKEN");
        const a = await ctx.storage.put("core.bin", bytes);
        const b = await ctx.storage.put("stream.bin", (async function* () {
          yield bytes.subarray(0, 8);
          yield bytes.subarray(8);
        })());
        return { sizes: [a.size, b.size] };
      })
      .run({ secrets: [staticSecrets({ TOKEN })], storage });
    expect(ex.outputs).toEqual({ dump: { sizes: [bytes.length, bytes.length] } });
    const stored = Buffer.from(await storage.get(`capstan://bin/${ex.id}/stream.bin`));
    expect(stored.subarray(3, 3 + TOKEN.length).toString()).toBe("*".repeat(TOKEN.length));
    expect(canary.take()).toEqual([]);
  });

  it("catches a value marked secret after it was logged: in the events and the record file", async () => {
    const home = tempDir();
    const store = new ExecutionStore({ dir: home });
    const f = flow({ id: "late" }).step("read", (ctx) => {
      ctx.log.info(`got ${TOKEN}`, { basic: b64(`user:${TOKEN}`) });
      markSecret(ctx, { password: TOKEN });
      return { ok: true };
    });
    const rec = store.begin({ flowId: "late", trigger: { type: "manual", via: "api" } });
    const ex = await f.run({ executionId: rec.id, onEvent: rec.onEvent, storage: new MemoryArtifactStore() });
    rec.complete(ex);
    // The result itself is masked again at the end: the leak is in what already went out.
    expect(JSON.stringify(ex)).not.toContain(TOKEN);
    const leaks = canary.take();
    const name = 'markSecret in step "read" at .password';
    expect(summary(leaks, ex.id)).toEqual([
      `${name} | event 3 (log) fields.basic | base64 (inside a longer encoding)`,
      `${name} | event 3 (log) message | exact`,
      `${name} | record file line 4 | exact`,
    ]);
    expect(leaks.every((l) => l.executionId === ex.id && l.flowId === "late")).toBe(true);
  });

  it("catches bytes written around ctx.storage, in any encoding, and names the artifact", async () => {
    const storage: ArtifactStore = new MemoryArtifactStore();
    const ex = await flow({ id: "raw" })
      .step("dump", async (ctx) => {
        const t = await ctx.secret("TOKEN");
        // A task holding the store itself writes past the masking ctx.storage does.
        await storage.put(`capstan://raw/${ctx.execution.id}/dump.bin`, Buffer.concat([Buffer.from([0xff, 0, 1]), Buffer.from(t)]));
        await storage.put(`capstan://raw/${ctx.execution.id}/url.txt`, `https://x/?t=${encodeURIComponent(t)}`);
        await storage.put(`capstan://raw/${ctx.execution.id}/b64url.txt`, Buffer.from(t).toString("base64url"));
      })
      .run({ secrets: [staticSecrets({ TOKEN })], storage });
    expect(summary(canary.take(), ex.id)).toEqual([
      'secret "TOKEN" | artifact capstan://raw/<id>/b64url.txt | base64url',
      'secret "TOKEN" | artifact capstan://raw/<id>/dump.bin | exact',
      'secret "TOKEN" | artifact capstan://raw/<id>/url.txt | URL-encoded',
    ]);
  });

  it("marking the execution's own id (a Vault write of { execution: id }) does not blank it", async () => {
    const events: { executionId: string }[] = [];
    const ex = await flow({ id: "audit" })
      .step("a", (ctx) => ctx.log.info("before"))
      .step("b", (ctx) => markSecret(ctx, { execution: ctx.execution.id, flow: ctx.execution.flowId, password: TOKEN }), { needs: ["a"] })
      .step("c", (ctx) => ctx.log.info(`after ${TOKEN}`), { needs: ["b"] })
      .run({ onEvent: (e) => events.push(e) });
    expect(events.every((e) => e.executionId === ex.id)).toBe(true);
    expect(ex.logs.map((l) => l.message)).toEqual(["before", "after ****"]);
    expect(canary.take()).toEqual([]);
  });

  it("reports names and places, never the value, and check() throws", async () => {
    await flow({ id: "late2" })
      .step("a", (ctx) => {
        ctx.log.info(TOKEN);
        markSecret(ctx, TOKEN);
      })
      .run({ onEvent: () => {} });
    const leaks = canary.take();
    expect(leaks).toHaveLength(1);
    expect(formatLeak(leaks[0]!)).toMatch(/^markSecret in step "a" found exact in event 3 \(log\) message, execution .* of flow "late2"$/);
    const err = new SecretLeakError(leaks);
    for (const form of [TOKEN, b64(TOKEN), encodeURIComponent(TOKEN)]) expect(err.message).not.toContain(form);
    await flow({ id: "late3" }).step("a", (ctx) => void (ctx.log.info(TOKEN), markSecret(ctx, TOKEN))).run({ onEvent: () => {} });
    expect(() => canary.check()).toThrow(SecretLeakError);
    expect(canary.take()).toEqual([]);
  });

  it("ignores values shorter than 4 characters, as the masker does", async () => {
    await flow({ id: "short" })
      .step("a", async (ctx) => ctx.log.info(`short ${await ctx.secret("S")}`))
      .run({ secrets: [staticSecrets({ S: "abc" })], onEvent: () => {} });
    expect(canary.take()).toEqual([]);
  });

  it("uses secret() names for values resolved through providers", async () => {
    const storage = new MemoryArtifactStore();
    const ex = await flow({ id: "named" })
      .step("a", async (ctx) => {
        await storage.put(`capstan://named/${ctx.execution.id}/x.txt`, String(await ctx.secret("db.password")));
      })
      .run({ secrets: [staticSecrets({ "db.password": TOKEN })], storage });
    expect(summary(canary.take(), ex.id)).toEqual(['secret "db.password" | artifact capstan://named/<id>/x.txt | exact']);
    void secret; // secret() placeholders resolve through the same path: see the next test's child run.
  });

  it("catches a leak in a child process that inherits CAPSTAN_SECRET_CANARY", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const root = resolve(import.meta.dirname, "../../../..");
    const env = { ...process.env, CI: "1", CAPSTAN_HOME: join(dir, "home"), CAPSTAN_STORAGE_DIR: join(dir, "storage"), CAPSTAN_SECRET_CANARY_CHILD_TOKEN: TOKEN };
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures/leaky.ts"), "--output", "plain"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((res) => child.on("close", res));
    expect(code, out).toBe(0);
    expect(out).not.toContain(TOKEN);
    const leaks = canary.take();
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ secret: 'secret "CANARY_CHILD_TOKEN"', flowId: "leaky-child", encoding: "exact", pid: child.pid });
    expect(leaks[0]!.where).toMatch(/^artifact capstan:\/\/leaky-child\/.+\/raw\.txt$/);
    expect(readFileSync(canary.reportFile, "utf8")).not.toContain(TOKEN);
  });
});
