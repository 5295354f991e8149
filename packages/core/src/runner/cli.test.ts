import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { runCli, type CliIO } from "./cli.js";

function io(): CliIO & { out: () => string; err: () => string; signals: EventEmitter } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = "";
  let e = "";
  stdout.on("data", (d) => (o += d));
  stderr.on("data", (d) => (e += d));
  const signals = new EventEmitter();
  return { stdout, stderr, signals: signals as never, out: () => o, err: () => e };
}

const greet = flow({ id: "greet", description: "says hello", inputs: z.object({ name: z.string().describe("who to greet"), times: z.number().int().default(1) }) })
  .step("hello", ({ inputs, log }) => {
    log.info(`hello ${inputs.name}`);
    return `hello ${inputs.name}`.repeat(inputs.times);
  });

describe("runCli", () => {
  it("runs with typed --input values and exits 0, printing plain lines and a summary off a TTY", async () => {
    const t = io();
    const code = await runCli(greet, ["--input", "name=ops", "-i", "times=2"], t);
    expect(code).toBe(0);
    expect(t.out()).toMatch(/\[hello\] hello ops/);
    expect(t.out()).toMatch(/✔ hello success in/);
    expect(t.out()).toMatch(/greet SUCCESS in/);
  });

  it("prints one JSON event per line with --output json", async () => {
    const t = io();
    expect(await runCli(greet, ["-i", "name=x", "--output", "json"], t)).toBe(0);
    const events = t.out().trim().split("\n").map((l) => JSON.parse(l) as { type: string; time: string });
    expect(events.map((e) => e.type)).toEqual(["execution.started", "step.started", "log", "step.finished", "execution.finished"]);
    expect(events[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("exits 1 with a clear message for invalid inputs, running nothing", async () => {
    const t = io();
    expect(await runCli(greet, ["-i", "times=x"], t)).toBe(1);
    expect(t.err()).toContain('error: CAPSTAN_INPUT_INVALID: flow "greet" got invalid inputs:');
    expect(t.err()).toContain("  - name: Invalid input: expected string, received undefined");
    expect(t.err()).toContain("  - times: Invalid input: expected number, received string");
    expect(t.err()).not.toMatch(/\n\s+at /);
    expect(t.out()).toBe("");
  });

  it("exits 1 when a step fails, naming the step and error", async () => {
    const t = io();
    const failing = flow({ id: "f" }).step("boom", () => { throw new Error("kaput"); });
    expect(await runCli(failing, [], t)).toBe(1);
    expect(t.out()).toContain("step boom failed: CAPSTAN_STEP_FAILED: kaput");
  });

  it("passes --services settings to the run", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "capstan-services-")), "services.yaml");
    writeFileSync(file, "kubernetes:\n  clusters:\n    prod: { context: prod }\n");
    let seen: unknown;
    const t = io();
    const f = flow({ id: "svc" }).step("peek", ({ services }) => { seen = services; });
    expect(await runCli(f, ["--services", file], t)).toBe(0);
    expect(seen).toEqual({ kubernetes: { clusters: { prod: { context: "prod" } } } });
  });

  it("exits 2 on unknown flags and 0 on --help, which lists inputs", async () => {
    const bad = io();
    expect(await runCli(greet, ["--nope"], bad)).toBe(2);
    expect(bad.err()).toContain("unknown option '--nope'");
    const help = io();
    expect(await runCli(greet, ["--help"], help)).toBe(0);
    expect(help.out()).toContain("says hello");
    expect(help.out()).toMatch(/name\s+string\s+required; who to greet/);
    expect(help.out()).toMatch(/times\s+integer\s+default 1/);
  });

  it("cancels on SIGINT: running steps are aborted, finally runs, exit 130", async () => {
    const t = io();
    let cleaned = false;
    const long = flow({ id: "long" })
      .step("wait", ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))))
      .finally((f) => f.step("cleanup", () => { cleaned = true; }));
    const running = runCli(long, [], t);
    await new Promise((r) => setTimeout(r, 20));
    t.signals.emit("SIGINT");
    expect(await running).toBe(130);
    expect(cleaned).toBe(true);
    expect(t.err()).toContain("cancelling");
    expect(t.out()).toContain("long CANCELLED");
  });
});
