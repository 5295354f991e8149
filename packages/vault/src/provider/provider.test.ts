import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineTask, flow, secret, staticSecrets } from "@capstan/core";
import { z } from "zod";
import { startFakeVault } from "../../../testing/src/fakes/index.js";
import type { FakeVault } from "../../../testing/src/fakes/index.js";
import { vaultSecrets } from "../index.js";

let fake: FakeVault;
beforeEach(async () => {
  fake = await startFakeVault({ rootToken: "root-token", tokens: { limited: { paths: ["secret/data/capstan/"] } } });
  fake.kvPut("capstan/prod", { SLACK_TOKEN: "xoxb-from-vault", port: 5432 });
  fake.kvPut("app/db", { password: "db-Pa55word" });
});
afterEach(() => fake.close());

const seen = defineTask({ type: "test.seen", input: z.object({ a: z.string(), b: z.string() }), run: ({ a, b }, ctx) => (ctx.log.info(`using ${a} and ${b}`), { a, b }) });

describe("vaultSecrets", () => {
  it("serves secret(\"path/key\") and default-path keys, masked like every secret", async () => {
    const ex = await flow({ id: "p" })
      .step("s", seen({ a: secret("app/db/password"), b: secret("SLACK_TOKEN") }))
      .step("check", ({ steps }) => steps.s.a === "db-Pa55word" && steps.s.b === "xoxb-from-vault")
      .run({ secrets: [vaultSecrets({ address: fake.url, auth: { method: "token", token: "root-token" }, path: "capstan/prod" })] });
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.check).toBe(true);
    expect(ex.logs[0]?.message).toBe("using **** and ****");
    expect(JSON.stringify(ex)).not.toMatch(/db-Pa55word|xoxb-from-vault/);
  });

  it("returns non-strings as JSON, reads each secret once, and lets the next provider answer what it lacks", async () => {
    const p = vaultSecrets({ address: fake.url, auth: { method: "token", token: "root-token" }, path: "capstan/prod" });
    expect(await p.get("port")).toBe("5432");
    expect(await p.get("SLACK_TOKEN")).toBe("xoxb-from-vault");
    expect(fake.requestsTo("/v1/secret/data/capstan/prod")).toHaveLength(1);
    expect(await p.get("app/none/key")).toBeUndefined();
    expect(await p.get("app/db/missing")).toBeUndefined();
    const ex = await flow({ id: "chain" })
      .step("s", seen({ a: secret("LOCAL_ONLY"), b: secret("SLACK_TOKEN") }))
      .run({ secrets: [p, staticSecrets({ LOCAL_ONLY: "from-static" })] });
    expect(ex.error).toBeUndefined();
    const none = vaultSecrets({ address: fake.url, auth: { method: "token", token: "root-token" } });
    expect(await none.get("NO_SLASH")).toBeUndefined();
  });

  it("fails the step with Vault's reason when the token may not read, naming the provider", async () => {
    const ex = await flow({ id: "d" })
      .step("s", seen({ a: secret("app/db/password"), b: "x" }))
      .run({ secrets: [vaultSecrets({ address: fake.url, auth: { method: "token", token: "limited" } })] });
    expect(ex.error?.code).toBe("CAPSTAN_SECRET_PROVIDER_FAILED");
    expect(ex.error?.message).toBe(`secret "app/db/password": provider vault (${fake.url}, secret/) failed: Vault GET secret/data/app/db answered 403: permission denied`);
  });

  it("needs an address and auth", () => {
    const saved = { a: process.env.VAULT_ADDR, t: process.env.VAULT_TOKEN };
    delete process.env.VAULT_ADDR;
    delete process.env.VAULT_TOKEN;
    try {
      expect(() => vaultSecrets()).toThrow(/needs an address/);
      expect(() => vaultSecrets({ address: fake.url })).toThrow(/needs auth/);
    } finally {
      if (saved.a !== undefined) process.env.VAULT_ADDR = saved.a;
      if (saved.t !== undefined) process.env.VAULT_TOKEN = saved.t;
    }
  });
});
