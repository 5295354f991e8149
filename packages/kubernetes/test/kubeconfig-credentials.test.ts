/**
 * The credentials inside a kubeconfig are masked on their own, not just as part of the whole text:
 * a step that logs, returns or throws the bare token (or the decoded client key) of the kubeconfig
 * its cluster was given, as a secret or as a file, leaves `****` everywhere, and the values are
 * registered under names the secret canary reports (so it checks them too). Real client-node
 * against the emulated cluster over https.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { flow, MemoryArtifactStore, secret, staticSecrets, type AnyFlow, type ExecutionEvent, type RunOptions } from "@capstan/core";
import { observeExecutions, type SettledExecution } from "@capstan/core/internal";
import { activeSecretCanary, mockCluster, type MockCluster } from "@capstan/testing";
import { kubectl, kubernetes, type ClusterSpec } from "../src/index.js";

const TOKEN = "kc-T0ken.eyJhbGciOiJSUzI1NiJ9/only-in-the-kubeconfig";
const b64 = (s: string) => Buffer.from(s).toString("base64");

const open: MockCluster[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function cluster(options: { token?: string } = {}): Promise<MockCluster> {
  const c = await mockCluster({ tls: true, runtime: false, ...options });
  open.push(c);
  return c;
}
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "capstan-kc-cred-"));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
/** The cluster's kubeconfig with its one user replaced. */
function withUser(kubeconfig: string, user: Record<string, unknown>): string {
  const doc = parse(kubeconfig) as { users: { name: string; user: unknown }[] };
  doc.users[0]!.user = user;
  return stringify(doc);
}

/** Runs `f` and returns the result, every event, and the names the masker registered values under. */
async function run(f: AnyFlow, options: Partial<RunOptions<unknown>>) {
  const events: ExecutionEvent[] = [];
  let settled: SettledExecution | undefined;
  const stop = observeExecutions({ settled: (s) => void (settled = s) });
  try {
    const ex = await f.run({ storage: new MemoryArtifactStore(), secrets: [], onEvent: (e) => events.push(e), ...options });
    return { ex, events, names: settled!.secrets.map((s) => s.name), all: JSON.stringify(ex) + JSON.stringify(events) };
  } finally {
    stop();
  }
}

/** A Kubernetes step that connects with `spec`, then a step that leaks `value` (log, output) and one that throws it. */
function leaky(spec: ClusterSpec, value: string) {
  return flow({ id: "leaky" })
    .step("list", kubectl.get({ kind: "ConfigMap", namespace: "default", cluster: spec as never }))
    .step("leak", (ctx) => {
      ctx.log.info(`Authorization: Bearer ${value}`);
      ctx.log.info("dump", { value, b64: b64(value) });
      return { value, header: `Bearer ${value}` };
    })
    .step("fail", () => {
      throw new Error(`request refused with ${JSON.stringify(value)}`);
    });
}

function expectMasked(r: Awaited<ReturnType<typeof run>>, value: string): void {
  expect(r.ex.state).toBe("FAILED");
  // The Kubernetes step connected: it is what registered the credentials.
  expect(r.ex.steps.list?.state).toBe("SUCCESS");
  expect(r.ex.steps.leak?.output).toEqual({ value: "****", header: "Bearer ****" });
  expect(r.ex.error?.message).toContain("****");
  expect(r.ex.logs.filter((l: { message: string }) => l.message.includes("****")).length).toBeGreaterThanOrEqual(1);
  for (const form of [value, b64(value), JSON.stringify(value).slice(1, -1)]) expect(r.all).not.toContain(form);
}

describe("credentials inside a secret kubeconfig", () => {
  it.each([
    ["a task's cluster", (): ClusterSpec => ({ kubeconfig: secret("PROD_KUBECONFIG") as never }), {}],
    ["a cluster the run's services map", (): ClusterSpec => "prod", { services: kubernetes({ clusters: { prod: { kubeconfig: secret("PROD_KUBECONFIG") } } }) }],
  ])("masks the bare token when the kubeconfig is given as a secret to %s", async (_, spec, extra) => {
    const c = await cluster({ token: TOKEN });
    const r = await run(leaky(spec(), TOKEN), { secrets: [staticSecrets({ PROD_KUBECONFIG: c.kubeconfig })], ...extra });
    expectMasked(r, TOKEN);
    expect(r.names).toContain('secret "PROD_KUBECONFIG" (users[capstan-mock].token)');
  });

  it("masks the decoded client key of every user, line by line too, and leaves certificates alone", async () => {
    const c = await cluster({ token: TOKEN });
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }) as string;
    // A second user, as kubeconfigs with an admin and a deploy identity have; its certificate
    // (here the cluster's CA, any public certificate will do) is public.
    const doc = parse(c.kubeconfig) as { clusters: { cluster: Record<string, string> }[]; users: unknown[] };
    const cert = Buffer.from(doc.clusters[0]!.cluster["certificate-authority-data"]!, "base64").toString();
    doc.users.push({ name: "deployer", user: { "client-certificate-data": b64(cert), "client-key-data": b64(key) } });
    const body = key.split("\n").filter((l) => l && !l.startsWith("-----"));
    const f = flow({ id: "key" })
      .step("list", kubectl.get({ kind: "ConfigMap", namespace: "default", cluster: { kubeconfig: secret("PROD_KUBECONFIG") } }))
      .step("leak", (ctx) => {
        for (const line of key.split("\n")) ctx.log.info(line);
        return { key, cert };
      })
      .step("fail", () => {
        throw new Error(`bad key ${body.join("")}`);
      });
    const r = await run(f, { secrets: [staticSecrets({ PROD_KUBECONFIG: stringify(doc) })] });
    expect(r.ex.state).toBe("FAILED");
    expect((r.ex.steps.leak?.output as { key: string }).key).toBe("****");
    for (const form of [key, b64(key), ...body]) expect(r.all).not.toContain(form);
    // The joined body is not a registered form, but each of its lines is.
    expect(r.ex.error?.message).toMatch(/^bad key (\*\*\*\*)+$/);
    // A certificate is public: it is not masked (beyond what the whole kubeconfig text covers).
    expect((r.ex.steps.leak?.output as { cert: string }).cert).toBe(cert);
    expect(r.names).toEqual(expect.arrayContaining(['secret "PROD_KUBECONFIG" (users[deployer].client-key-data)', 'secret "PROD_KUBECONFIG" (users[deployer].client-key-data (decoded))']));
    expect(r.names.some((n) => n.includes("certificate"))).toBe(false);
  });

  it("masks the token an exec plugin issues at request time, and every exec env value of a secret kubeconfig", async () => {
    const seed = "seed-for-the-exec-plugin";
    // The issued token appears nowhere in the kubeconfig, in any form.
    const issued = Buffer.from(seed).toString("hex");
    const c = await cluster({ token: issued });
    const script = "const t = Buffer.from(process.env.CRED_SEED).toString('hex'); console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: t } }))";
    const exec = { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: ["-e", script], env: [{ name: "CRED_SEED", value: seed }, { name: "AWS_REGION", value: "eu-north-9" }], interactiveMode: "Never" };
    const kubeconfig = withUser(c.kubeconfig, { exec });
    const f = flow({ id: "exec" })
      .step("list", kubectl.get({ kind: "ConfigMap", namespace: "default", cluster: { kubeconfig: secret("EKS_KUBECONFIG") } }))
      .step("leak", () => ({ issued, seed, region: "eu-north-9" }));
    const r = await run(f, { secrets: [staticSecrets({ EKS_KUBECONFIG: kubeconfig })] });
    expect(r.ex.state).toBe("SUCCESS");
    expect(r.ex.outputs.leak).toEqual({ issued: "****", seed: "****", region: "****" });
    expect(r.names).toEqual(expect.arrayContaining(['secret "EKS_KUBECONFIG" (users[capstan-mock] bearer token)', 'secret "EKS_KUBECONFIG" (users[capstan-mock].exec.env.AWS_REGION)']));
  });

  it("registers the token so the secret canary catches it where masking cannot reach", async () => {
    const c = await cluster({ token: TOKEN });
    const storage = new MemoryArtifactStore();
    const f = flow({ id: "raw" })
      .step("list", kubectl.get({ kind: "ConfigMap", namespace: "default", cluster: { kubeconfig: secret("PROD_KUBECONFIG") } }))
      // A task holding the store itself writes past the masking ctx.storage does.
      .step("dump", async (ctx) => void (await storage.put(`capstan://raw/${ctx.execution.id}/dump.txt`, `token=${TOKEN}`)));
    const r = await run(f, { storage, secrets: [staticSecrets({ PROD_KUBECONFIG: c.kubeconfig })] });
    expect(r.ex.state).toBe("SUCCESS");
    const leaks = activeSecretCanary()!.take().filter((l) => l.executionId === r.ex.id);
    expect(leaks.map((l) => `${l.secret} | ${l.encoding}`)).toEqual(['secret "PROD_KUBECONFIG" (users[capstan-mock].token) | exact']);
  });
});

describe("credentials inside a plain kubeconfig file", () => {
  it("masks the token of a kubeconfig file, named after the file", async () => {
    const c = await cluster({ token: TOKEN });
    const file = tempFile("config", c.kubeconfig);
    const r = await run(leaky({ file }, TOKEN), {});
    expectMasked(r, TOKEN);
    expect(r.names).toContain(`kubeconfig ${file} (users[capstan-mock].token)`);
    // Nothing but credentials: the file's text is not a secret.
    expect(r.names.every((n) => n.startsWith(`kubeconfig ${file} (users[capstan-mock].`))).toBe(true);
  });

  it("masks what a token-file holds, with and without its newline", async () => {
    const c = await cluster({ token: TOKEN });
    const tokenFile = tempFile("token", `${TOKEN}\n`);
    const file = tempFile("config", withUser(c.kubeconfig, { "token-file": tokenFile }));
    const r = await run(leaky({ file }, TOKEN), {});
    expectMasked(r, TOKEN);
    expect(r.names).toEqual(expect.arrayContaining([`kubeconfig ${file} (users[capstan-mock].token)`, `kubeconfig ${file} (users[capstan-mock].token (trimmed))`]));
  });
});
