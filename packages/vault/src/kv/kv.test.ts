import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flow, secret, staticSecrets } from "@capstan/core";
import type { RunOptions } from "@capstan/core";
import { startFakeVault } from "../../../testing/src/fakes/index.js";
import type { FakeVault } from "../../../testing/src/fakes/index.js";
import { vault } from "../index.js";

let fake: FakeVault;
beforeEach(async () => {
  fake = await startFakeVault({ rootToken: "root-token", kvMounts: ["secret", "kv"], namespaces: ["team-a"] });
});
afterEach(() => fake.close());

const options = (extra: Partial<RunOptions<never>> = {}): RunOptions<never> => ({
  secrets: [staticSecrets({ VAULT_TOKEN: "root-token" })],
  services: { vault: { address: fake.url, retryDelay: 1 } },
  ...extra,
});

describe("vault KV v2 tasks", () => {
  it("writes versions with check-and-set, reads latest and a given version, masking the values", async () => {
    const ex = await flow({ id: "kv" })
      .step("v1", vault.kvWrite({ path: "app/db", data: { password: "first-Pa55" }, cas: 0 }))
      .step("v2", vault.kvWrite(({ steps }) => ({ path: "app/db", data: { password: "second-Pa55", user: "app" }, cas: steps.v1.version })))
      .step("latest", vault.kvRead({ path: "app/db" }))
      .step("old", vault.kvRead({ path: "app/db", version: 1 }))
      .step("use", ({ steps }) => steps.latest.data.password === "second-Pa55" && steps.old.data.password === "first-Pa55")
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.use).toBe(true); // steps see the real values
    expect(ex.outputs?.latest).toMatchObject({ version: 2, data: { password: "****", user: "app" } });
    expect(fake.kvGet("app/db")).toEqual({ password: "second-Pa55", user: "app" });
    expect(JSON.stringify(ex)).not.toMatch(/first-Pa55|second-Pa55/);
  });

  it("fails a stale check-and-set with Vault's reason", async () => {
    fake.kvPut("app/db", { password: "x" });
    const ex = await flow({ id: "cas" }).step("w", vault.kvWrite({ path: "app/db", data: { password: "y" }, cas: 0 })).run(options());
    expect(ex.error).toMatchObject({ code: "CAPSTAN_VAULT_ERROR", message: "Vault POST secret/data/app/db answered 400: check-and-set parameter did not match the current version" });
  });

  it("lists keys and folders, and reads metadata with every version", async () => {
    fake.kvPut("tenants/alpha", { k: "1" }, { mount: "kv" });
    fake.kvPut("tenants/beta", { k: "1" }, { mount: "kv" });
    fake.kvPut("tenants/beta", { k: "2" }, { mount: "kv" });
    fake.kvPut("tenants/eu/gamma", { k: "1" }, { mount: "kv" });
    const ex = await flow({ id: "ls" })
      .step("list", vault.kvList({ mount: "kv", path: "tenants/" }))
      .step("root", vault.kvList({ mount: "kv" }))
      .step("meta", vault.kvMetadata({ mount: "kv", path: "tenants/beta" }))
      .step("empty", vault.kvList({ mount: "kv", path: "none" }))
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.list.keys).toEqual(["alpha", "beta", "eu/"]);
    expect(ex.outputs?.root.keys).toEqual(["tenants/"]);
    expect(ex.outputs?.empty.keys).toEqual([]);
    expect(ex.outputs?.meta).toMatchObject({ currentVersion: 2, oldestVersion: 1, versions: { "1": { destroyed: false }, "2": { deletionTime: "" } } });
    expect(fake.requestsTo("/v1/kv/metadata/tenants")[0]?.query.get("list")).toBe("true");
  });

  it("says clearly that a secret does not exist", async () => {
    const ex = await flow({ id: "nf" }).step("r", vault.kvRead({ path: "app/none" })).run(options());
    expect(ex.error).toMatchObject({ code: "CAPSTAN_VAULT_NOT_FOUND", message: "Vault has no secret at secret/app/none" });
    const meta = await flow({ id: "nf2" }).step("m", vault.kvMetadata({ path: "app/none" })).run(options());
    expect(meta.error?.code).toBe("CAPSTAN_VAULT_NOT_FOUND");
  });

  it("takes address, namespace and token from the task over the run's services", async () => {
    fake.kvPut("app/db", { password: "team-a-secret" }, { namespace: "team-a" });
    const ex = await flow({ id: "ns" })
      .step("r", vault.kvRead({ path: "app/db", address: fake.url, namespace: "team-a", token: secret("OTHER") }))
      .run({ secrets: [staticSecrets({ OTHER: "root-token" })] });
    expect(ex.error).toBeUndefined();
    expect(fake.requests[0]?.headers).toMatchObject({ "x-vault-namespace": "team-a", "x-vault-token": "root-token" });
  });

  it("needs an address from somewhere, and a token secret by default", async () => {
    const saved = process.env.VAULT_ADDR;
    delete process.env.VAULT_ADDR;
    try {
      const ex = await flow({ id: "na" }).step("r", vault.kvRead({ path: "x" })).run({ secrets: [staticSecrets({ VAULT_TOKEN: "root-token" })] });
      expect(ex.error?.message).toContain("no Vault address");
    } finally {
      if (saved !== undefined) process.env.VAULT_ADDR = saved;
    }
    const nt = await flow({ id: "nt" }).step("r", vault.kvRead({ path: "x" })).run({ secrets: [staticSecrets({})], services: { vault: { address: fake.url } } });
    expect(nt.error).toMatchObject({ code: "CAPSTAN_SECRET_MISSING", message: expect.stringContaining('"VAULT_TOKEN"') });
  });
});
