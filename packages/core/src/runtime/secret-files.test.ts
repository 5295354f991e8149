import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dirSecrets, fileSecrets } from "./secret-files.js";
import { CapstanError } from "../errors.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "capstan-secrets-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("fileSecrets", () => {
  it("reads YAML maps, nested maps as dotted names, scalars as strings, base64: values decoded", async () => {
    const p = fileSecrets(write("s.yaml", `SLACK_TOKEN: xoxb-123\nslack:\n  webhook: https://hooks/x\nport: 5432\npem: |\n  line1\n  line2\nB64: "base64:${Buffer.from("multi\nline").toString("base64")}"\n`));
    expect(await p.get("SLACK_TOKEN")).toBe("xoxb-123");
    expect(await p.get("slack.webhook")).toBe("https://hooks/x");
    expect(await p.get("port")).toBe("5432");
    expect(await p.get("pem")).toBe("line1\nline2\n");
    expect(await p.get("B64")).toBe("multi\nline");
    expect(await p.get("missing")).toBeUndefined();
    expect(p.name).toContain("s.yaml");
  });

  it("reads JSON and .env files, matching names case- and separator-insensitively", async () => {
    const j = fileSecrets(write("s.json", JSON.stringify({ "db-password": "pw1", nested: { key: "k" } })));
    expect(await j.get("db-password")).toBe("pw1");
    expect(await j.get("DB_PASSWORD")).toBe("pw1");
    expect(await j.get("nested.key")).toBe("k");
    const e = fileSecrets(write(".env", `# comment\nexport API_KEY="a b"\nMULTI="one\ntwo"\nRAW=base64:${Buffer.from("decoded").toString("base64")}\n`));
    expect(await e.get("API_KEY")).toBe("a b");
    expect(await e.get("MULTI")).toBe("one\ntwo");
    expect(await e.get("RAW")).toBe("decoded");
    expect(await e.get("api-key")).toBe("a b");
  });

  it("reads a Kubernetes Secret manifest: data base64-decoded, stringData as is", async () => {
    const p = fileSecrets(write("secret.yaml", `apiVersion: v1\nkind: Secret\nmetadata: { name: app }\ndata:\n  token: ${Buffer.from("t0k3n").toString("base64")}\nstringData:\n  user: admin\n`));
    expect(await p.get("token")).toBe("t0k3n");
    expect(await p.get("user")).toBe("admin");
    expect(await p.get("metadata.name")).toBeUndefined();
  });

  it("sees changes to the file", async () => {
    const file = write("s.json", JSON.stringify({ A: "1" }));
    const p = fileSecrets(file);
    expect(await p.get("A")).toBe("1");
    writeFileSync(file, JSON.stringify({ A: "2" }));
    const { utimesSync } = await import("node:fs");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await p.get("A")).toBe("2");
  });

  it("fails clearly, without quoting content, for a missing or malformed file", async () => {
    const missing = await Promise.resolve().then(() => fileSecrets(join(dir, "nope.yaml")).get("A")).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CapstanError);
    expect((missing as CapstanError).code).toBe("CAPSTAN_SECRET_PROVIDER_FAILED");
    expect((missing as CapstanError).message).toMatch(/nope\.yaml does not exist/);
    const bad = await Promise.resolve().then(() => fileSecrets(write("bad.json", '{"A": "topsecret-value" ')).get("A")).catch((e: unknown) => e);
    expect((bad as CapstanError).message).toMatch(/bad\.json is not valid JSON/);
    expect(JSON.stringify(bad)).not.toContain("topsecret");
    expect((bad as CapstanError).message).not.toContain("topsecret");
  });
});

describe("dirSecrets", () => {
  it("reads one file per secret like a mounted Kubernetes Secret (symlinked ..data layout)", async () => {
    mkdirSync(join(dir, "..2024_01_01"));
    writeFileSync(join(dir, "..2024_01_01", "api-token"), "tok-123\n");
    writeFileSync(join(dir, "..2024_01_01", "tls.key"), "-----BEGIN-----\nabc\n-----END-----\n");
    symlinkSync("..2024_01_01", join(dir, "..data"));
    symlinkSync("..data/api-token", join(dir, "api-token"));
    symlinkSync("..data/tls.key", join(dir, "tls.key"));
    const p = dirSecrets(dir);
    expect(await p.get("api-token")).toBe("tok-123");
    expect(await p.get("API_TOKEN")).toBe("tok-123");
    expect(await p.get("tls.key")).toBe("-----BEGIN-----\nabc\n-----END-----");
    expect(await dirSecrets(dir, { trimNewline: false }).get("api-token")).toBe("tok-123\n");
    expect(await p.get("..data")).toBeUndefined();
    expect(await p.get("missing")).toBeUndefined();
  });

  it("maps slashes to subdirectories and never leaves the directory", async () => {
    mkdirSync(join(dir, "db"));
    writeFileSync(join(dir, "db", "password"), "pw");
    writeFileSync(join(dir, "..", "outside-secret"), "no");
    const p = dirSecrets(dir);
    expect(await p.get("db/password")).toBe("pw");
    expect(await p.get("db")).toBeUndefined();
    expect(await p.get("../outside-secret")).toBeUndefined();
    rmSync(join(dir, "..", "outside-secret"));
  });

  it("fails clearly when the directory does not exist", async () => {
    const err = await Promise.resolve().then(() => dirSecrets(join(dir, "none")).get("X")).catch((e: unknown) => e);
    expect((err as CapstanError).code).toBe("CAPSTAN_SECRET_PROVIDER_FAILED");
  });
});
