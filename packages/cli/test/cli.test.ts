/** End-to-end: the real `capstan` binary and `tsx <flow file>` as child processes. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const bin = join(root, "packages/cli/bin/capstan.js");
const tsx = join(root, "node_modules/.bin/tsx");
const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);

interface Result { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, CI: "1", PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const capstan = (...args: string[]) => run(process.execPath, [bin, ...args]);

describe("capstan CLI", { timeout: 60_000 }, () => {
  it("runs a flow file and streams JSON events", async () => {
    const r = await capstan("run", "examples/hello.ts", "--output", "json", "--input", "regions=eu,us");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; state?: string });
    expect(events.at(-1)).toMatchObject({ type: "execution.finished", state: "SUCCESS" });
  });

  it("prints the graph as mermaid, dot and json", async () => {
    const m = await capstan("graph", "examples/hello.ts");
    expect(m.stdout.startsWith("flowchart TD")).toBe(true);
    const d = await capstan("graph", "examples/hello.ts", "--format", "dot");
    expect(d.stdout).toContain('digraph "release"');
    const j = await capstan("graph", "examples/hello.ts", "-f", "json");
    expect((JSON.parse(j.stdout) as { id: string }).id).toBe("release");
  });

  it("validate reports valid and invalid flows with exit codes", async () => {
    const ok = await capstan("validate", "examples/hello.ts");
    expect(ok.code).toBe(0);
    const bad = await capstan("validate", fixture("cycle.ts"), fixture("none.ts"), fixture("two.ts"));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("steps form a cycle: a -> b -> a");
    expect(bad.stdout).toContain("exports no flow");
    expect(bad.stdout).toContain("exports several flows (first (id first), second (id second))");
    const pick = await capstan("validate", fixture("two.ts"), "--flow", "second");
    expect(pick.code).toBe(0);
  });

  it("explains a missing file without a stack trace", async () => {
    const r = await capstan("run", "nope.ts");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: CAPSTAN_USAGE: flow file nope.ts does not exist\nhint: pass the path of a .ts file that exports a flow\n");
  });

  it("prints a stack trace only with --debug", async () => {
    const plain = await capstan("run", fixture("cycle.ts"), "--no-record");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("error: CAPSTAN_FLOW_INVALID");
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await capstan("run", fixture("cycle.ts"), "--no-record", "--debug");
    expect(debug.stderr).toMatch(/\n\s+at compileFlow/);
  });

  it("runs a flow file directly with tsx; importing it does not run it", async () => {
    const direct = await run(tsx, ["examples/hello.ts", "--input", "regions=eu"]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain("release SUCCESS");
    const imported = await run(tsx, [fixture("importer.ts")]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe("imported release without running it\n");
  });

  it("cancels on SIGINT: exit 130 after finally ran", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "capstan-sigint-")), "marker");
    let sent = false;
    const r = await run(tsx, [fixture("long.ts"), "--input", `marker=${marker}`], {
      onStdout: (out, child) => {
        if (!sent && out.includes("waiting for SIGINT")) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    });
    expect(r.code).toBe(130);
    expect(existsSync(marker) && readFileSync(marker, "utf8")).toBe("cleaned");
    expect(r.stdout).toContain("long CANCELLED");
  });
});
