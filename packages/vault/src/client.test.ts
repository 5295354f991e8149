import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeVault } from "../../testing/src/fakes/index.js";
import type { FakeVault } from "../../testing/src/fakes/index.js";
import { VaultClient } from "./client.js";
import type { VaultAuth } from "./client.js";

let fake: FakeVault;
beforeEach(async () => {
  fake = await startFakeVault({
    rootToken: "root-token",
    tokens: { "app-token": { paths: ["secret/data/app/"] } },
    namespaces: ["team-a"],
    approles: [{ roleId: "role-1", secretId: "secret-1" }],
    kubernetesRoles: [{ role: "capstan", jwt: "sa.jwt.value" }],
  });
  fake.kvPut("app/db", { password: "pw-root-ns" });
  fake.kvPut("app/db", { password: "pw-team-a" }, { namespace: "team-a" });
});
afterEach(() => fake.close());

const client = (auth: VaultAuth, extra: { namespace?: string; retries?: number } = {}) => new VaultClient({ address: fake.url, auth, retryDelayMs: 1, ...extra });

describe("VaultClient", () => {
  it("reads with a token, sending X-Vault-Token and X-Vault-Request", async () => {
    const s = await client({ method: "token", token: "root-token" }).kvRead("secret", "app/db");
    expect(s?.data).toEqual({ password: "pw-root-ns" });
    expect(s?.metadata.version).toBe(1);
    expect(fake.requests[0]?.headers).toMatchObject({ "x-vault-token": "root-token", "x-vault-request": "true" });
  });

  it("logs in with AppRole once and reuses the token; tells who asks about the token", async () => {
    const tokens: string[] = [];
    const c = new VaultClient({ address: fake.url, auth: { method: "approle", roleId: "role-1", secretId: "secret-1" }, onToken: (t) => tokens.push(t) });
    await c.kvRead("secret", "app/db");
    await c.kvRead("secret", "app/db");
    expect(fake.logins).toEqual([{ method: "approle", role: "role-1" }]);
    expect(fake.requestsTo("/v1/auth/approle/login")[0]?.body).toEqual({ role_id: "role-1", secret_id: "secret-1" });
    expect(tokens).toHaveLength(1);
    expect(fake.requestsTo("/v1/secret/data/app/db").map((r) => r.headers["x-vault-token"])).toEqual([tokens[0], tokens[0]]);
  });

  it("logs in again when the login token is revoked", async () => {
    const c = client({ method: "approle", roleId: "role-1", secretId: "secret-1" });
    await c.kvRead("secret", "app/db");
    fake.revoke();
    expect((await c.kvRead("secret", "app/db"))?.data).toEqual({ password: "pw-root-ns" });
    expect(fake.logins).toHaveLength(2);
  });

  it("logs in with a Kubernetes service-account token from a file or given", async () => {
    const dir = mkdtempSync(join(tmpdir(), "capstan-sa-"));
    try {
      writeFileSync(join(dir, "token"), "sa.jwt.value\n");
      expect((await client({ method: "kubernetes", role: "capstan", jwtFile: join(dir, "token") }).kvRead("secret", "app/db"))?.data.password).toBe("pw-root-ns");
      expect(fake.requestsTo("/v1/auth/kubernetes/login")[0]?.body).toEqual({ role: "capstan", jwt: "sa.jwt.value" });
      await client({ method: "kubernetes", role: "capstan", jwt: "sa.jwt.value" }).kvRead("secret", "app/db");
      const missing = await client({ method: "kubernetes", role: "capstan", jwtFile: join(dir, "none") }).kvRead("secret", "app/db").catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: "CAPSTAN_VAULT_AUTH_FAILED", message: expect.stringContaining("cannot read the service-account token") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explains failed logins", async () => {
    const approle = await client({ method: "approle", roleId: "role-1", secretId: "wrong" }).kvRead("secret", "app/db").catch((e: unknown) => e);
    expect(approle).toMatchObject({ code: "CAPSTAN_VAULT_AUTH_FAILED", message: "Vault approle login failed: 400: invalid role or secret ID", hint: expect.stringContaining("role_id and secret_id") });
    const k8s = await client({ method: "kubernetes", role: "capstan", jwt: "forged" }).kvRead("secret", "app/db").catch((e: unknown) => e);
    expect(k8s).toMatchObject({ code: "CAPSTAN_VAULT_AUTH_FAILED", message: "Vault kubernetes login failed: 403: permission denied" });
  });

  it("sends the namespace, which selects that namespace's secrets", async () => {
    const s = await client({ method: "token", token: "root-token" }, { namespace: "team-a" }).kvRead("secret", "app/db");
    expect(s?.data).toEqual({ password: "pw-team-a" });
    expect(fake.requests[0]?.headers["x-vault-namespace"]).toBe("team-a");
  });

  it("says permission denied for a bad token or a path outside the token's policy, naming the path", async () => {
    const bad = await client({ method: "token", token: "nope" }).kvRead("secret", "app/db").catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "CAPSTAN_VAULT_ERROR", message: "Vault GET secret/data/app/db answered 403: permission denied", retryable: false });
    const limited = client({ method: "token", token: "app-token" });
    expect((await limited.kvRead("secret", "app/db"))?.data).toBeDefined();
    const outside = await limited.kvRead("secret", "other/x").catch((e: unknown) => e);
    expect(outside).toMatchObject({ message: "Vault GET secret/data/other/x answered 403: permission denied" });
  });

  it("retries a sealed/standby 503 and a 429, then succeeds; gives up after the retries", async () => {
    fake.fail({ path: "/v1/secret/data/app/db", status: 503 }).fail({ path: "/v1/secret/data/app/db", status: 429, retryAfter: 0 });
    expect((await client({ method: "token", token: "root-token" }).kvRead("secret", "app/db"))?.data).toBeDefined();
    expect(fake.requests.map((r) => r.status)).toEqual([503, 429, 200]);
    fake.fail({ path: "/v1/secret/data/app/db", status: 503, times: 5 });
    const err = await client({ method: "token", token: "root-token" }, { retries: 1 }).kvRead("secret", "app/db").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CAPSTAN_VAULT_ERROR", message: "Vault GET secret/data/app/db answered 503: Vault is sealed", retryable: true });
  });

  it("reports an unreachable Vault with its address", async () => {
    const url = fake.url;
    await fake.close();
    const err = await new VaultClient({ address: url, auth: { method: "token", token: "t" }, retries: 0 }).kvRead("secret", "x").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CAPSTAN_VAULT_UNREACHABLE", message: `Vault GET secret/data/x failed: ECONNREFUSED (${url})` });
    fake = await startFakeVault();
  });

  it("rejects paths that climb", async () => {
    await expect(client({ method: "token", token: "root-token" }).read("secret/../sys/seal")).rejects.toMatchObject({ code: "CAPSTAN_USAGE" });
  });
});
