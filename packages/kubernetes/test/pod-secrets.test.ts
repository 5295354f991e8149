/**
 * The masking promise end to end with a real pod: a secret handed to a container through its env
 * is echoed, split across two writes (two log chunks), base64-encoded, URL-encoded, returned as an
 * output var, written to an output file and thrown back in an error. Neither the value nor its
 * encodings may appear in the terminal output, the JSON events, the execution record, the
 * execution store or the artifacts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { flow, LocalArtifactStore, Recorder, ExecutionStore, createReporter, secret, staticSecrets, type ExecutionEvent } from "@capstan/core";
import { mockCluster, type MockCluster } from "@capstan/testing";
import { kubernetes, podCreate, WORKING_DIR } from "../src/index.js";

const SECRET = "hunter2-Zq9!canary/value";
const forms = [SECRET, Buffer.from(SECRET).toString("base64"), encodeURIComponent(SECRET), "hunter2-Zq9!canary"];

let cluster: MockCluster;
beforeEach(async () => {
  cluster = await mockCluster();
  cluster.programs.register("leaky/app:*", async (ctx) => {
    const s = ctx.env.TOKEN!;
    ctx.stdout.write(`token=${s.slice(0, 9)}`);
    await ctx.sleep(0.01);
    ctx.stdout.write(`${s.slice(9)} end\n`);
    ctx.stdout.write(`b64=${Buffer.from(s).toString("base64")}\n`);
    ctx.stdout.write(`url=${encodeURIComponent(s)}\n`);
    ctx.stdout.write(`::${JSON.stringify({ outputs: { leaked: s } })}::\n`);
    ctx.fs.mkdir(`${WORKING_DIR}/out`, { recursive: true });
    ctx.fs.writeFile(`${WORKING_DIR}/out/secret.txt`, `the secret is ${s}\n`);
    ctx.stderr.write(`fatal: cannot log in with ${s}\n`);
    return Number(ctx.env.EXIT ?? "0");
  });
});
afterEach(() => cluster.close());

function collect(dir: string): string {
  let all = "";
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (statSync(p).isFile()) all += readFileSync(p, "utf8");
  }
  return all;
}

describe("secrets in pod steps", () => {
  it.each([["succeeds", "0"], ["fails", "3"]])("never leaks the secret when the pod %s", async (_, exit) => {
    const home = mkdtempSync(join(tmpdir(), "capstan-canary-"));
    onTestFinished(() => rmSync(home, { recursive: true, force: true }));
    const storage = new LocalArtifactStore(join(home, "storage"));
    const store = new ExecutionStore({ dir: home });
    const terminal = new PassThrough();
    let printed = "";
    terminal.on("data", (d) => (printed += d));
    const plain = createReporter("plain", terminal);
    const json = createReporter("json", terminal);
    const events: ExecutionEvent[] = [];
    const f = flow({ id: "canary" }).step(
      "leak",
      podCreate({
        spec: { containers: [{ name: "main", image: "leaky/app:1", env: [{ name: "TOKEN", value: secret("API_TOKEN") }, { name: "EXIT", value: exit }] }] },
        outputFiles: ["out/*.txt"],
      }),
    );
    const recorder: Recorder = store.begin({ flowId: "canary", inputs: {}, labels: {}, trigger: { type: "manual", via: "api" } });
    const ex = await f.run({
      executionId: recorder.id,
      secrets: [staticSecrets({ API_TOKEN: SECRET })],
      storage,
      services: kubernetes({ default: { kubeconfig: cluster.kubeconfig } }),
      onEvent: (e) => {
        events.push(e);
        plain.onEvent(e);
        json.onEvent(e);
        recorder.onEvent(e);
      },
    });
    recorder.complete(ex);
    expect(ex.error?.message ?? "no error").toMatch(exit === "0" ? /no error/ : /exit|code 3/i);
    expect(ex.state).toBe(exit === "0" ? "SUCCESS" : "FAILED");
    // The container really printed it: the masked lines are there.
    expect(ex.logs.map((l) => l.message)).toEqual(expect.arrayContaining(["[main] token=**** end"]));
    const places = { terminal: printed, events: JSON.stringify(events), execution: JSON.stringify(ex), "store and artifacts": collect(home) };
    for (const [where, text] of Object.entries(places)) for (const form of forms) expect(text, `${where} holds ${form}`).not.toContain(form);
    expect(places.terminal).toContain("****");
  });
});
