/**
 * The masking promise, end to end: a flow whose steps log, stream, checkpoint, store, throw and
 * return secret values in every common form; nothing the execution leaves behind contains them.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { defineTask } from "../task/define.js";
import { createReporter } from "../reporter/reporters.js";
import type { ExecutionEvent } from "../engine/events.js";
import { LocalArtifactStore } from "./local-store.js";
import { logStream, markSecret, maskStream } from "./masking.js";
import { secret, staticSecrets } from "./secrets.js";

const TOKEN = "Canary-7f3a9d/+=Tok&en";
const KEY = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\nq9Zz8xY7wQpLm3==\n-----END KEY-----";
const VAULT_VALUE = "vault-read-pa55word";
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Every form that must never be seen. */
const FORBIDDEN = [
  TOKEN,
  b64(TOKEN),
  encodeURIComponent(TOKEN),
  KEY,
  ...KEY.split("\n"),
  JSON.stringify(KEY).slice(1, -1),
  VAULT_VALUE,
  b64(VAULT_VALUE),
];

let received: { token?: string; key?: string } = {};

const useSecrets = defineTask({
  type: "canary.use",
  input: z.object({ token: z.string(), key: z.string() }),
  run: async ({ token, key }, ctx) => {
    received = { token, key };
    ctx.log.info(`plain ${token}`);
    ctx.log.info(`base64 ${b64(token)} and basic ${b64(`user:${token}`)}`);
    ctx.log.info(`url https://api/?t=${encodeURIComponent(token)}`);
    ctx.log.warn(`key follows\n${key}`);
    for (const line of key.split("\n")) ctx.log.info(`line: ${line}`);
    ctx.log.info("fields", { auth: { token }, list: [key] });
    // A pod's log arriving in chunks that split the value (and a UTF-8 character) in two.
    const pod = Buffer.from(`pod says ${token} ✓\nnext line ${token.slice(0, 3)}`);
    const cut = pod.indexOf(token) + 7;
    const out = logStream(ctx, { prefix: "[pod] " });
    out.write(pod.subarray(0, cut));
    out.write(pod.subarray(cut));
    out.end();
    ctx.checkpoint({ token });
    return { token, nested: { encoded: b64(token), lines: key.split("\n") } };
  },
});

async function* chunks(text: string): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text);
  const mid = text.indexOf(TOKEN) + 5;
  yield bytes.subarray(0, mid);
  yield bytes.subarray(mid);
}

const canary = flow({ id: "canary", inputs: z.object({ fail: z.boolean() }) })
  .step("use", useSecrets({ token: secret("TOKEN"), key: secret("KEY") }))
  .step("vault", (ctx) => {
    // Read some other way than secret(): the task registers it.
    markSecret(ctx, { password: VAULT_VALUE });
    ctx.log.info(`read ${VAULT_VALUE}`);
    return { password: VAULT_VALUE, echoed: ctx.steps.use.token === TOKEN };
  })
  .step("artifact", async (ctx) => {
    const token = await ctx.secret("TOKEN");
    const info = await ctx.storage.put("logs/pod.log", maskStream(ctx, chunks(`pod log ${token} done\n`)));
    return { uri: info.uri };
  })
  .step("flaky", async (ctx) => {
    throw new Error(`tried ${b64(await ctx.secret("TOKEN"))}`);
  }, { allowFailure: true })
  .step("boom", async (ctx) => {
    if (ctx.inputs.fail) throw new Error(`request to https://x/?t=${encodeURIComponent(await ctx.secret("TOKEN"))} failed: ${await ctx.secret("TOKEN")}`);
    return "fine";
  }, { retry: { attempts: 2, delay: 1 } })
  .errors((e) => e.step("report", ({ error, log }) => log.error(`failed: ${error.message} / ${error.error.message}`)))
  .finally((f) => f.step("bye", ({ log, steps }) => log.info(`outputs were ${JSON.stringify(steps.use)}`)))
  .outputs(({ steps }) => ({ use: steps.use, vault: steps.vault, artifact: steps.artifact }));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

async function runCanary(fail: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "capstan-canary-"));
  dirs.push(dir);
  const events: ExecutionEvent[] = [];
  const plain = new PassThrough();
  const json = new PassThrough();
  let terminal = "";
  let jsonLines = "";
  plain.on("data", (d: Buffer) => (terminal += d.toString()));
  json.on("data", (d: Buffer) => (jsonLines += d.toString()));
  const reporters = [createReporter("plain", plain), createReporter("json", json)];
  const ex = await canary.run({
    inputs: { fail },
    secrets: [staticSecrets({ TOKEN, KEY })],
    storage: new LocalArtifactStore(dir),
    onEvent: (e) => {
      events.push(e);
      for (const r of reporters) r.onEvent(e);
    },
  });
  for (const r of reporters) r.close();
  const artifacts = filesUnder(dir).map((f) => readFileSync(f, "utf8")).join("\n");
  return { ex, events, terminal, jsonLines, artifacts, dir };
}

function expectClean(name: string, haystack: string): void {
  for (const f of FORBIDDEN) {
    if (haystack.includes(f)) throw new Error(`${name} contains a secret form: ${JSON.stringify(f)}`);
  }
}

describe("the masking promise", () => {
  it("a successful execution: nothing it leaves contains a secret value in any form", async () => {
    const { ex, events, terminal, jsonLines, artifacts } = await runCanary(false);
    expect(ex.state).toBe("SUCCESS");
    // The steps did get the real values, and passed them on in-process.
    expect(received).toEqual({ token: TOKEN, key: KEY });
    expect((ex.outputs as { vault: { echoed: boolean } }).vault.echoed).toBe(true);
    // ...and everything recorded was masked, not dropped.
    expect(ex.logs.length).toBeGreaterThanOrEqual(12);
    expect(ex.logs.find((l) => l.message.startsWith("plain"))?.message).toBe("plain ****");
    expect(ex.logs.filter((l) => l.message.startsWith("[pod] ")).map((l) => l.message)).toEqual(["[pod] pod says **** ✓", "[pod] next line Can"]);
    expect(ex.outputs).toMatchObject({ use: { token: "****", nested: { encoded: "****" } }, vault: { password: "****" } });
    expect(events.some((e) => e.type === "step.checkpoint" && JSON.stringify(e.data) === '{"token":"****"}')).toBe(true);
    expect(artifacts).toContain("pod log **** done");
    expect(terminal).toContain("plain ****");
    for (const [name, text] of [["execution JSON", JSON.stringify(ex)], ["events", JSON.stringify(events)], ["terminal", terminal], ["json output", jsonLines], ["artifacts", artifacts]] as const) {
      expectClean(name, text);
    }
  });

  it("a failed execution: errors, retries, the errors branch and finally are masked too", async () => {
    const { ex, events, terminal, jsonLines, artifacts } = await runCanary(true);
    expect(ex.state).toBe("FAILED");
    expect(ex.error?.message).toBe("request to https://x/?t=**** failed: ****");
    expect(ex.steps.flaky).toMatchObject({ state: "FAILED", allowed: true, error: { message: "tried ****" } });
    expect(events.some((e) => e.type === "step.retrying")).toBe(true);
    expect(ex.logs.find((l) => l.path === "errors.report")?.message).toContain("failed: ");
    for (const [name, text] of [["execution JSON", JSON.stringify(ex)], ["events", JSON.stringify(events)], ["terminal", terminal], ["json output", jsonLines], ["artifacts", artifacts]] as const) {
      expectClean(name, text);
    }
  });

  it("the check itself catches a leak (an unregistered value is not masked)", async () => {
    const ex = await flow({ id: "leak" }).step("a", ({ log }) => log.info(`value ${VAULT_VALUE}`)).run();
    expect(() => expectClean("execution JSON", JSON.stringify(ex))).toThrow(/contains a secret form/);
  });
});

describe("masking helpers outside a run", () => {
  it("logStream splits lines and maskStream passes bytes through when there is no execution", async () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), debug() {}, warn() {}, error() {} };
    const s = logStream({ log });
    s.write("a\nb");
    s.write(Buffer.from("c\r\nd"));
    s.end();
    expect(lines).toEqual(["a", "bc", "d"]);
    markSecret({ log }, "ignored-value"); // no execution: nothing to register, no error
    const out: string[] = [];
    for await (const c of maskStream({ log }, chunks(`x ${TOKEN}`))) out.push(Buffer.from(c).toString());
    expect(out.join("")).toBe(`x ${TOKEN}`);
  });
});
