/**
 * Runs the bad-input corpus (cases/*.json, see cases.ts): each input must fail with the case's code,
 * a message and a hint matching its regexes, and the emulated cluster must receive no write.
 * In-process for most cases (one cluster for the file); `feeds: "cli"` cases spawn the real CLI.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { flow, MemoryArtifactStore, secret, staticSecrets, webhook, type AnyFlow } from "@capstan/core";
import { kubectl, kubernetes, podCreate } from "@capstan/kubernetes";
import { serve, type CapstanServer } from "@capstan/server";
import { mockCluster, type MockCluster } from "@capstan/testing";
import { generateTls } from "../../packages/testing/src/emulator/auth/tls.js";
import { tempStore, post } from "../../packages/server/src/test-helpers.js";
import { bin, start } from "../../packages/cli/test/helpers.js";
import { loadCases, type Case } from "./cases.js";
import { flows, releaseInputs } from "./fixtures/flows.js";

const WRITES = new Set(["create", "update", "patch", "delete", "deletecollection"]);
const tasks = { ...kubectl, podCreate } as unknown as Record<string, (params: unknown) => never>;
const cases = loadCases();

let cluster: MockCluster;
let tlsCluster: MockCluster;
let server: CapstanServer;
let home: string;
/** Strings in case params equal to a key here are replaced by its value. */
const placeholders: Record<string, string> = {};

beforeAll(async () => {
  [cluster, tlsCluster] = await Promise.all([mockCluster(), mockCluster({ tls: true })]);
  // A kubeconfig for the https cluster whose CA is another one: the server certificate cannot be verified.
  const other = await generateTls();
  const wrongCa = parse(tlsCluster.kubeconfig) as { clusters: { cluster: Record<string, unknown> }[] };
  wrongCa.clusters[0]!.cluster["certificate-authority-data"] = Buffer.from(other.caCert).toString("base64");
  home = mkdtempSync(join(tmpdir(), "capstan-bad-input-"));
  writeFileSync(join(home, "kubeconfig.yaml"), cluster.kubeconfig);
  Object.assign(placeholders, {
    $KUBECONFIG: cluster.kubeconfig,
    $SERVER: cluster.url,
    $BAD_CA_KUBECONFIG: stringify(wrongCa),
    $DEAD_KUBECONFIG: cluster.kubeconfig.replace(cluster.url, `http://127.0.0.1:${await closedPort()}`),
  });
  const served = flow({ id: "release-hook", triggers: [webhook({ path: "release", key: secret("HOOK_KEY"), maxBodyBytes: 256 })], inputs: releaseInputs })
    .step("apply", kubectl.apply({ manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "hook" } } }));
  server = await serve({
    flows: [{ flow: served }],
    store: tempStore(),
    port: 0,
    secrets: [staticSecrets({ HOOK_KEY: "hook-key" })],
    log: () => undefined,
    services: kubernetes({ default: { kubeconfig: cluster.kubeconfig } }),
  });
});

afterAll(async () => {
  await server?.shutdown(0);
  await Promise.all([cluster?.close(), tlsCluster?.close()]);
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function substitute(value: unknown, tmp: string): unknown {
  if (typeof value === "string") return placeholders[value] ?? value.replaceAll("$TMP", tmp);
  if (Array.isArray(value)) return value.map((v) => substitute(v, tmp));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (typeof o.$secret === "string" && Object.keys(o).length === 1) return secret(o.$secret);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, substitute(v, tmp)]));
  }
  return value;
}

interface Failure {
  code: string;
  message: string;
  hint?: string | undefined;
}

const runOptions = (secrets: Record<string, string> | undefined) => ({
  storage: new MemoryArtifactStore(),
  secrets: [staticSecrets(secrets ?? {})],
  services: kubernetes({ default: { kubeconfig: cluster.kubeconfig }, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 } }),
});

/** Runs an in-process case; the failure is either thrown (before the run) or the execution's error. */
async function failureOf(c: Case): Promise<Failure | undefined> {
  let build: () => AnyFlow;
  let inputs: unknown;
  if (c.feeds === "task") {
    const tmp = mkdtempSync(join(tmpdir(), "capstan-bad-input-"));
    for (const [name, text] of Object.entries(c.files ?? {})) {
      mkdirSync(dirname(join(tmp, name)), { recursive: true });
      writeFileSync(join(tmp, name), text);
    }
    const params = substitute(c.params, tmp);
    build = () => flow({ id: "bad-input" }).step("task", tasks[c.task]!(params)) as AnyFlow;
  } else if (c.feeds === "flow") {
    const fixture = flows[c.flow];
    if (!fixture) throw new Error(`${c.file}: no flow "${c.flow}" in fixtures/flows.ts`);
    build = fixture;
    inputs = c.inputs;
  } else throw new Error(`${c.file}: not an in-process case`);
  const secrets = "secrets" in c ? c.secrets : undefined;
  try {
    const ex = await build().run({ ...runOptions(secrets), ...(inputs === undefined ? {} : { inputs }) } as never);
    return ex.error;
  } catch (e) {
    return e as Failure;
  }
}

function expectFailure(c: Case, failure: Failure | undefined): void {
  expect(failure, `${c.file} did not fail`).toBeDefined();
  expect({ code: failure!.code }).toEqual({ code: c.expect.code });
  expect(failure!.message).toMatch(new RegExp(c.expect.message, "is"));
  expect(failure!.hint ?? "").toMatch(new RegExp(c.expect.hint, "is"));
}

function writes(c: Case) {
  return [...cluster.requests, ...tlsCluster.requests].filter((r) => WRITES.has(r.verb) && !(c.serverRejects && (r.status ?? 0) >= 400)).map((r) => `${r.verb} ${r.path}`);
}

describe("bad-input corpus", () => {
  it("holds at least 50 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  for (const c of cases.filter((c) => c.feeds === "task" || c.feeds === "flow")) {
    it(`${c.file}: ${c.description}`, async () => {
      cluster.clearRequests();
      tlsCluster.clearRequests();
      expectFailure(c, await failureOf(c));
      expect(writes(c)).toEqual([]);
    });
  }

  for (const c of cases.filter((c) => c.feeds === "webhook")) {
    it(`${c.file}: ${c.description}`, async () => {
      cluster.clearRequests();
      const body = typeof c.body === "string" ? c.body : c.body.repeat.repeat(c.body.times);
      const reply = await post(`${server.url}/webhooks/release`, body, { Authorization: "Bearer hook-key", "Content-Type": "application/json" });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expectFailure(c, reply.body?.error as Failure | undefined);
      expect(writes(c)).toEqual([]);
    });
  }
});

describe("bad-input corpus through the real CLI", () => {
  for (const c of cases.filter((c) => c.feeds === "cli")) {
    it(`${c.file}: ${c.description}`, async () => {
      cluster.clearRequests();
      const args = c.args.map((a) => a.replaceAll("$FIXTURES", join(import.meta.dirname, "fixtures")));
      const argv = c.via === "capstan" ? [bin, ...args] : ["--import", "tsx", ...args];
      const r = await start(argv, home, { KUBECONFIG: join(home, "kubeconfig.yaml") }).done;
      if (c.expect.exitCode !== undefined) expect(r.code, r.stderr).toBe(c.expect.exitCode);
      // Errors before a run print `error: CODE: ...` on stderr; a failed step's summary is on stdout.
      const error = /^error: (CAPSTAN_[A-Z0-9_]+): (.*)$/m.exec(r.stderr) ?? /^step \S+ failed: (CAPSTAN_[A-Z0-9_]+): (.*)$/m.exec(r.stdout);
      expect(error, r.stderr).not.toBeNull();
      const hint = /^hint: (.*)$/m.exec(r.stderr) ?? /^hint: (.*)$/m.exec(r.stdout);
      expectFailure(c, { code: error![1]!, message: error!.input.slice(error!.index + error![0].length - error![2]!.length).split("\nhint:")[0]!, hint: hint?.[1] });
      expect(r.stderr + r.stdout).not.toContain("\n    at ");
      expect(writes(c)).toEqual([]);
    });
  }
});
