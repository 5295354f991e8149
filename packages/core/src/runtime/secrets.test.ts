import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretResolver, envSecrets, secret, staticSecrets } from "./secrets.js";
import type { SecretProvider } from "./secrets.js";
import { defaultSecretProviders, registerSecretProvider } from "./secret-defaults.js";
import { CapstanError } from "../errors.js";

describe("envSecrets", () => {
  it("reads CAPSTAN_SECRET_<NAME>, upper-cased with separators as _, plain or base64:", () => {
    const env = { CAPSTAN_SECRET_SLACK_TOKEN: "xoxb-1", CAPSTAN_SECRET_DB_PASSWORD: `base64:${Buffer.from("p\nw").toString("base64")}` };
    const p = envSecrets(env);
    expect(p.get("slack-token")).toBe("xoxb-1");
    expect(p.get("SLACK_TOKEN")).toBe("xoxb-1");
    expect(p.get("db.password")).toBe("p\nw");
    expect(p.get("nope")).toBeUndefined();
  });
});

describe("SecretResolver", () => {
  it("tries providers in order, caches, reports each resolved value once", async () => {
    let calls = 0;
    const counting: SecretProvider = { name: "counting", get: (n) => (calls++, n === "B" ? "from-b" : undefined) };
    const seen: string[] = [];
    const r = new SecretResolver([staticSecrets({ A: "from-a" }), counting], (v) => seen.push(v));
    expect(await r.get("A")).toBe("from-a");
    expect(await r.get("B")).toBe("from-b");
    expect(await r.get("B")).toBe("from-b");
    expect(calls).toBe(1);
    expect(seen).toEqual(["from-a", "from-b"]);
    expect(await r.resolveDeep({ x: [secret("A"), { y: secret("B") }], n: 1 })).toEqual({ x: ["from-a", { y: "from-b" }], n: 1 });
  });

  it("names the secret and every provider tried when nothing has it", async () => {
    const r = new SecretResolver([staticSecrets({}, "one"), staticSecrets({}, "two")]);
    const err = (await r.get("MISSING").catch((e: unknown) => e)) as CapstanError;
    expect(err.code).toBe("CAPSTAN_SECRET_MISSING");
    expect(err.message).toBe('secret "MISSING" was not found (tried: one, two)');
    expect(err.hint).toContain("CAPSTAN_SECRET_MISSING");
  });

  it("reports a failing provider as such (retryable), and retries the lookup next time", async () => {
    let down = true;
    const flaky: SecretProvider = { name: "flaky", get: async () => { if (down) throw new Error("connection refused"); return "ok-value"; } };
    const r = new SecretResolver([flaky]);
    const err = (await r.get("X").catch((e: unknown) => e)) as CapstanError;
    expect(err.code).toBe("CAPSTAN_SECRET_PROVIDER_FAILED");
    expect(err.message).toBe('secret "X": provider flaky failed: connection refused');
    expect(err.retryable).toBe(true);
    down = false;
    expect(await r.get("X")).toBe("ok-value");
  });

  it("rejects a provider that returns something other than a string", async () => {
    const r = new SecretResolver([{ name: "odd", get: () => 42 as never }]);
    await expect(r.get("X")).rejects.toThrow(/returned a number/);
  });
});

describe("defaultSecretProviders", () => {
  it("is env, then CAPSTAN_SECRETS_FILE, then CAPSTAN_SECRETS_DIR, then registered providers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "capstan-def-"));
    try {
      writeFileSync(join(dir, "s.yaml"), "A: from-file\nB: from-file\n");
      writeFileSync(join(dir, "C"), "from-dir\n");
      const unregister = registerSecretProvider(staticSecrets({ A: "x", B: "x", C: "x", D: "from-custom" }, "custom"));
      try {
        const env = { CAPSTAN_SECRET_A: "from-env", CAPSTAN_SECRETS_FILE: join(dir, "s.yaml"), CAPSTAN_SECRETS_DIR: dir };
        const r = new SecretResolver(defaultSecretProviders(env));
        expect(await r.get("A")).toBe("from-env");
        expect(await r.get("B")).toBe("from-file");
        expect(await r.get("C")).toBe("from-dir");
        expect(await r.get("D")).toBe("from-custom");
        expect(defaultSecretProviders(env).map((p) => p.name.split(" ")[0])).toEqual(["env", "file", "directory", "custom"]);
      } finally {
        unregister();
      }
      expect(defaultSecretProviders({}).map((p) => p.name.split(" ")[0])).toEqual(["env"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects something that is not a provider", () => {
    expect(() => registerSecretProvider({} as never)).toThrow(/expects/);
  });
});
