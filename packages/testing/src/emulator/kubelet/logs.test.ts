import { describe, expect, it } from "vitest";
import { LogBuffer, rfc3339Nano, streamLog } from "./logs.js";
import { ProgramRegistry } from "./programs.js";
import { MemFs, MountedFs } from "./fs.js";

async function collect(it: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const c of it) out += c;
  return out;
}

describe("log buffers", () => {
  it("keeps lines in order with strictly increasing RFC3339Nano stamps", () => {
    let now = Date.UTC(2026, 0, 1);
    const buf = new LogBuffer(() => now);
    buf.write("a\nb");
    buf.write("c\n");
    now += 1500;
    buf.write("d\n");
    buf.close();
    expect(buf.lines.map((l) => l.text)).toEqual(["a\n", "bc\n", "d\n"]);
    expect(buf.lines.map((l) => l.time)).toEqual(["2026-01-01T00:00:00.000000000Z", "2026-01-01T00:00:00.000000001Z", "2026-01-01T00:00:01.500000000Z"]);
    expect(rfc3339Nano(Date.UTC(2026, 0, 1, 0, 0, 0, 7), 3)).toBe("2026-01-01T00:00:00.007000003Z");
  });

  it("filters by sinceTime, sinceSeconds, tailLines and limitBytes", async () => {
    let now = Date.UTC(2026, 0, 1);
    const buf = new LogBuffer(() => now);
    for (let i = 0; i < 5; i++) {
      buf.write(`line ${i}\n`);
      now += 1000;
    }
    buf.close();
    expect(await collect(streamLog(buf, { sinceTime: "2026-01-01T00:00:03Z" }, now))).toBe("line 3\nline 4\n");
    expect(await collect(streamLog(buf, { sinceSeconds: 2 }, now))).toBe("line 3\nline 4\n");
    expect(await collect(streamLog(buf, { tailLines: 2 }, now))).toBe("line 3\nline 4\n");
    expect(await collect(streamLog(buf, { tailLines: 0 }, now))).toBe("");
    expect(await collect(streamLog(buf, { limitBytes: 10 }, now))).toBe("line 0\nlin");
    expect(await collect(streamLog(buf, { timestamps: true, tailLines: 1 }, now))).toBe("2026-01-01T00:00:04.000000000Z line 4\n");
  });

  it("follows new lines until the buffer closes", async () => {
    const buf = new LogBuffer(() => Date.now());
    buf.write("first\n");
    const got = collect(streamLog(buf, { follow: true }, Date.now()));
    setTimeout(() => buf.write("second\n"), 2);
    setTimeout(() => buf.close(), 4);
    expect(await got).toBe("first\nsecond\n");
  });

  it("stops following when the signal aborts", async () => {
    const buf = new LogBuffer(() => Date.now());
    const ac = new AbortController();
    const got = collect(streamLog(buf, { follow: true }, Date.now(), ac.signal));
    setTimeout(() => ac.abort(), 2);
    expect(await got).toBe("");
  });
});

describe("program registry", () => {
  it("matches globs (tagless patterns match any tag) and regexps, latest registration first", () => {
    const reg = new ProgramRegistry();
    const a = () => 1;
    const b = () => 2;
    const c = () => 3;
    reg.register("ghcr.io/acme/*", a);
    reg.register("busybox", b);
    const remove = reg.register(/^busybox:1\.36$/, c);
    expect(reg.resolve("ghcr.io/acme/api:v1")?.program).toBe(a);
    expect(reg.resolve("busybox")?.program).toBe(b);
    expect(reg.resolve("busybox:latest")?.program).toBe(b);
    expect(reg.resolve("busybox:1.36")?.program).toBe(c);
    remove();
    expect(reg.resolve("busybox:1.36")?.program).toBe(b);
    expect(reg.resolve("nginx")).toBeUndefined();
  });
});

describe("container filesystem", () => {
  it("routes paths to the longest mount and lists mount points", () => {
    const root = new MemFs();
    const vol = new MemFs();
    const ro = new MemFs({ files: { "/key": "v" }, readOnly: true });
    const fs = new MountedFs(root, [
      { path: "/data", fs: vol },
      { path: "/etc/config", fs: ro },
    ]);
    fs.writeFile("/data/x", "1");
    expect(vol.readText("/x")).toBe("1");
    expect(fs.readdir("/").includes("data")).toBe(true);
    expect(fs.readText("/etc/config/key")).toBe("v");
    expect(() => fs.writeFile("/etc/config/key", "w")).toThrow("Read-only file system");
    fs.mkdir("/tmp/a", { recursive: true });
    fs.writeFile("/tmp/a/f", "moved");
    fs.rename("/tmp/a", "/data/a");
    expect(vol.readText("/a/f")).toBe("moved");
    expect(fs.exists("/tmp/a")).toBe(false);
  });
});
