import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flow, secret, staticSecrets } from "@capstan/core";
import { startFakeVault } from "../../../testing/src/fakes/index.js";
import type { FakeVault } from "../../../testing/src/fakes/index.js";
import { vault } from "../index.js";

let fake: FakeVault;
beforeEach(async () => {
  fake = await startFakeVault({ rootToken: "root-token", databaseRoles: { app: "app-user" }, approles: [{ roleId: "capstan", secretId: "s3cret-id", paths: ["database/"] }] });
});
afterEach(() => fake.close());

const options = () => ({
  secrets: [staticSecrets({ ROLE_ID: "capstan", SECRET_ID: "s3cret-id" })],
  services: { vault: { address: fake.url, auth: { method: "approle", roleId: secret("ROLE_ID"), secretId: secret("SECRET_ID") }, retryDelay: 1 } },
});

describe("vault.read / vault.write", () => {
  it("rotates a database role and reads the new credentials, masked in the record", async () => {
    const ex = await flow({ id: "rotate" })
      .step("before", vault.read({ path: "database/static-creds/app" }))
      .step("rotate", vault.write({ path: "database/rotate-role/app" }))
      .step("after", vault.read({ path: "database/static-creds/app" }))
      .step("changed", ({ steps }) => steps.before.data?.password !== steps.after.data?.password)
      .run(options());
    expect(ex.error).toBeUndefined();
    expect(fake.rotations).toEqual(["app"]);
    expect(ex.outputs?.rotate).toEqual({});
    expect(ex.outputs?.changed).toBe(true);
    expect(ex.outputs?.after.data).toMatchObject({ username: "****", password: "****" });
    expect(JSON.stringify(ex)).not.toContain("app-user-pw");
    // AppRole login once for the whole step's client, credentials from secret() in services.
    expect(fake.logins.every((l) => l.method === "approle")).toBe(true);
  });

  it("reports Vault's reason for a bad role and for a path outside the login's policy", async () => {
    const bad = await flow({ id: "bad" }).step("rotate", vault.write({ path: "database/rotate-role/nope" })).run(options());
    expect(bad.error).toMatchObject({ code: "CAPSTAN_VAULT_ERROR", message: 'Vault POST database/rotate-role/nope answered 400: no static role found for role name "nope"' });
    const denied = await flow({ id: "denied" }).step("r", vault.read({ path: "secret/data/app" })).run(options());
    expect(denied.error?.message).toBe("Vault GET secret/data/app answered 403: permission denied");
    expect(denied.error?.hint).toContain("policy");
  });

  it("answers through a custom handler for other endpoints, with the data written", async () => {
    fake.handle("POST", "transit/encrypt/app", (req) => ({ status: 200, body: { data: { ciphertext: `vault:v1:${Buffer.from(String((req.body as { plaintext: string }).plaintext)).toString("hex")}` } } }));
    const ex = await flow({ id: "t" }).step("enc", vault.write({ path: "transit/encrypt/app", data: { plaintext: "aGVsbG8=" } })).run({ ...options(), services: { vault: { address: fake.url, token: "root-token" } } });
    expect(ex.error).toBeUndefined();
    expect(fake.requestsTo("/v1/transit/encrypt/app")[0]?.body).toEqual({ plaintext: "aGVsbG8=" });
  });

  it("says clearly when a path has nothing", async () => {
    const ex = await flow({ id: "nf" }).step("r", vault.read({ path: "database/config/none" })).run(options());
    expect(ex.error?.code).toBe("CAPSTAN_VAULT_NOT_FOUND");
  });
});
