import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "./local-store.js";
import { MemoryArtifactStore, ScopedArtifactStore, scopedUri } from "./storage.js";
import type { ArtifactStore } from "./storage.js";
import { CapstanError } from "../errors.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "capstan-store-"));
  dirs.push(d);
  return d;
}

async function text(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString("utf8");
}

const backends: [string, () => ArtifactStore][] = [
  ["MemoryArtifactStore", () => new MemoryArtifactStore()],
  ["LocalArtifactStore", () => new LocalArtifactStore(tempDir())],
];

describe.each(backends)("%s", (_name, make) => {
  it("puts bytes, text and streams, recording size, content type and sha256", async () => {
    const s = make();
    const a = await s.put("capstan://f/e/a.txt", "hello");
    expect(a).toMatchObject({ uri: "capstan://f/e/a.txt", size: 5, contentType: "text/plain; charset=utf-8", sha256: createHash("sha256").update("hello").digest("hex") });
    expect(Date.parse(a.createdAt)).not.toBeNaN();
    const b = await s.put("capstan://f/e/data.bin", Uint8Array.of(1, 2, 3));
    expect(b).toMatchObject({ size: 3, contentType: "application/octet-stream" });
    const j = await s.put("capstan://f/e/out.json", "{}");
    expect(j.contentType).toBe("application/json");
    const big = Buffer.alloc(300_000, "x");
    const c = await s.put("capstan://f/e/models/m.bin", Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]), { contentType: "application/x-model" });
    expect(c).toMatchObject({ size: 300_000, contentType: "application/x-model" });
    expect(Buffer.from(await s.get(c.uri)).equals(big)).toBe(true);
    expect(await text(s.stream(a.uri))).toBe("hello");
    expect(await s.stat(c.uri)).toEqual(c);
  });

  it("lists by prefix in URI order, deletes, and reports a missing artifact clearly", async () => {
    const s = make();
    await s.put("capstan://f/e1/b.txt", "b");
    await s.put("capstan://f/e1/a/x.txt", "x");
    await s.put("capstan://f/e2/c.txt", "c");
    await s.put("capstan://g/e3/d.txt", "d");
    expect((await s.list("capstan://f/e1/")).map((i) => i.uri)).toEqual(["capstan://f/e1/a/x.txt", "capstan://f/e1/b.txt"]);
    expect((await s.list("capstan://f/")).length).toBe(3);
    expect((await s.list("capstan://f/e1/a")).map((i) => i.uri)).toEqual(["capstan://f/e1/a/x.txt"]);
    expect((await s.list()).length).toBe(4);
    expect(await s.list("capstan://nope/")).toEqual([]);
    expect(await s.delete("capstan://f/e1/b.txt")).toBe(true);
    expect(await s.delete("capstan://f/e1/b.txt")).toBe(false);
    expect(await s.stat("capstan://f/e1/b.txt")).toBeUndefined();
    const err = (await s.get("capstan://f/e1/b.txt").catch((e: unknown) => e)) as CapstanError;
    expect(err.code).toBe("CAPSTAN_ARTIFACT_NOT_FOUND");
    expect(err.message).toBe("artifact capstan://f/e1/b.txt does not exist");
    await expect(text(s.stream("capstan://f/e1/b.txt"))).rejects.toMatchObject({ code: "CAPSTAN_ARTIFACT_NOT_FOUND" });
  });

  it("replaces an artifact written twice", async () => {
    const s = make();
    await s.put("capstan://f/e/a.txt", "one");
    const info = await s.put("capstan://f/e/a.txt", "three");
    expect(info.size).toBe(5);
    expect(Buffer.from(await s.get("capstan://f/e/a.txt")).toString()).toBe("three");
    expect((await s.list("capstan://f/e/")).length).toBe(1);
  });

  it("rejects paths that climb out or are empty", async () => {
    const s = make();
    for (const bad of ["capstan://f/../x", "capstan://f//x", "capstan://", "capstan://f/./x", "capstan://f/a\\b"]) {
      await expect(s.put(bad, "x")).rejects.toMatchObject({ code: "CAPSTAN_USAGE" });
    }
  });
});

describe("LocalArtifactStore", () => {
  it("writes nothing until used, and leaves no partial file when the stream fails", async () => {
    const root = join(tempDir(), "store");
    const s = new LocalArtifactStore(root);
    expect(() => readdirSync(root)).toThrow();
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Buffer.from("half");
      throw new Error("source broke");
    }
    const err = (await s.put("capstan://f/e/x.bin", failing()).catch((e: unknown) => e)) as CapstanError;
    expect(err.code).toBe("CAPSTAN_ARTIFACT_WRITE_FAILED");
    expect(err.message).toContain("source broke");
    expect(readdirSync(join(root, "objects", "f", "e"))).toEqual([]);
    expect(await s.stat("capstan://f/e/x.bin")).toBeUndefined();
  });

  it("persists across store instances on the same directory", async () => {
    const root = tempDir();
    await new LocalArtifactStore(root).put("capstan://f/e/keep.txt", "kept");
    const again = new LocalArtifactStore(root);
    expect(Buffer.from(await again.get("capstan://f/e/keep.txt")).toString()).toBe("kept");
    expect((await again.list()).map((i) => i.uri)).toEqual(["capstan://f/e/keep.txt"]);
  });
});

describe("ScopedArtifactStore", () => {
  it("puts relative paths under capstan://<flow>/<execution>/ and lists only that execution", async () => {
    const base = new MemoryArtifactStore();
    await base.put("capstan://train/other/x.txt", "other");
    const s = new ScopedArtifactStore(base, "train", "ex1");
    const info = await s.put("models/model.bin", Uint8Array.of(9));
    expect(info.uri).toBe("capstan://train/ex1/models/model.bin");
    expect(info.uri).toBe(scopedUri("train", "ex1", "models/model.bin"));
    expect(Array.from(await s.get("models/model.bin"))).toEqual([9]);
    expect(Array.from(await s.get(info.uri))).toEqual([9]);
    await s.put("log.txt", "l");
    expect((await s.list()).map((i) => i.uri)).toEqual(["capstan://train/ex1/log.txt", "capstan://train/ex1/models/model.bin"]);
    expect((await s.list("models/")).map((i) => i.uri)).toEqual(["capstan://train/ex1/models/model.bin"]);
    expect((await s.list("../other")).length).toBe(0);
    // Another execution's artifact is readable by its full URI.
    expect(Buffer.from(await s.get("capstan://train/other/x.txt")).toString()).toBe("other");
    expect(await s.delete("log.txt")).toBe(true);
    await expect(s.put("../escape.txt", "x")).rejects.toMatchObject({ code: "CAPSTAN_USAGE" });
  });
});
