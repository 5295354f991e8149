/** End-to-end: kill -9 a running flow, then `capstan resume` / `restart` / `executions` / `logs`. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { capstan, fixture, flowFile, jsonLines, start, tempDir } from "./helpers.js";

const effects = (dir: string) => readFileSync(join(dir, "effects.log"), "utf8").trim().split("\n");

/** Runs resumable.ts until `upload` has checkpointed and logged, then SIGKILLs it. */
async function killedAtUpload(home: string, dir: string, extra: string[] = []) {
  const run = flowFile(home, fixture("resumable.ts"), ["--input", `dir=${dir}`, "-o", "json", ...extra]);
  await run.waitFor("uploaded part 1; waiting");
  run.child.kill("SIGKILL");
  const r = await run.done;
  expect(r.signal).toBe("SIGKILL");
  return jsonLines<{ executionId: string }>(r.stdout)[0]!.executionId;
}

// Each test starts a dozen real processes one after another: minutes of budget on a loaded 2-core CI machine.
describe("crash-resume (real processes)", { timeout: 90_000 }, () => {
  it("resumes a flow killed mid-step: finished steps are not re-run, the step continues from its checkpoint", async () => {
    const home = tempDir();
    const dir = tempDir();
    const id = await killedAtUpload(home, dir);
    expect(effects(dir)).toEqual(["prepare", "upload resumed=null"]);

    const list = await capstan(home, "executions", "--json");
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, flowId: "resumable", state: "INTERRUPTED" })]);
    const show = await capstan(home, "executions", "show", id.slice(0, 8));
    expect(show.stdout).toMatch(/resumable INTERRUPTED/);
    expect(show.stdout).toMatch(/SUCCESS\s+prepare/);
    expect(show.stdout).toMatch(/INTERRUPTED\s+upload/);
    expect(show.stdout).toContain(`capstan resume ${id}`);

    const resumed = await capstan(home, "resume", id, "-o", "plain");
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(effects(dir)).toEqual(["prepare", "upload resumed=null", 'upload resumed={"part":1}', "charge", "finish"]);
    const ex = JSON.parse((await capstan(home, "executions", "show", id, "--json")).stdout);
    expect(ex).toMatchObject({ state: "SUCCESS", runs: 2, outputs: { finish: "r-1: 2 parts, charged" } });
    expect(ex.steps.prepare).toMatchObject({ state: "SUCCESS", attempts: 1 });
    expect(ex.steps.upload).toMatchObject({ state: "SUCCESS", output: { parts: 2 } });

    // The log holds every line once, from both processes, in order.
    const logs = await capstan(home, "logs", id);
    expect(logs.stdout.trim().split("\n").map((l) => l.replace(/^\S+ /, ""))).toEqual([
      "INFO  [prepare] prepared",
      "INFO  [upload] uploaded part 1; waiting",
      "INFO  [upload] continuing from part 1",
      "INFO  [charge] charging",
      "INFO  [finish] finished",
    ]);
    expect((await capstan(home, "logs", id, "--step", "upload")).stdout.trim().split("\n")).toHaveLength(2);
    expect((await capstan(home, "logs", id, "--step", "upload", "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l).message)).toEqual(["uploaded part 1; waiting", "continuing from part 1"]);
    const again = await capstan(home, "resume", id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already ended SUCCESS");
  });

  it("stops with exit 3 before re-running a non-idempotent step, and runs it with --rerun", async () => {
    const home = tempDir();
    const dir = tempDir();
    writeFileSync(join(dir, "go"), "");
    const run = flowFile(home, fixture("resumable.ts"), ["--input", `dir=${dir}`, "--input", "pay=true", "-o", "json"]);
    await run.waitFor('"message":"charging"');
    run.child.kill("SIGKILL");
    const id = jsonLines<{ executionId: string }>((await run.done).stdout)[0]!.executionId;

    const blocked = await capstan(home, "resume", id);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain(`error: CAPSTAN_RESUME_UNSAFE: execution ${id} stopped while "charge" was running`);
    expect(blocked.stderr).toContain("hint: check whether it took effect, then resume with --rerun charge");
    expect(effects(dir).filter((e) => e === "charge")).toHaveLength(1);
    expect(JSON.parse((await capstan(home, "executions", "show", id, "--json")).stdout).state).toBe("INTERRUPTED");

    writeFileSync(join(dir, "paid"), "");
    const forced = await capstan(home, "resume", id, "--rerun", "charge");
    expect(forced.code).toBe(0);
    expect(effects(dir).filter((e) => e === "charge")).toHaveLength(2);
    expect(effects(dir).filter((e) => e === "prepare")).toHaveLength(1);
  });

  it("restart --from re-runs a failed execution from a step as a new execution, reusing earlier outputs", async () => {
    const home = tempDir();
    const dir = tempDir();
    // A directory that does not exist makes the first step fail.
    writeFileSync(join(dir, "go"), "");
    const failed = await capstan(home, "run", fixture("resumable.ts"), "--input", `dir=${join(dir, "missing")}`, "-o", "json");
    expect(failed.code).toBe(1);
    const id = jsonLines<{ executionId: string }>(failed.stdout)[0]!.executionId;
    expect(JSON.parse((await capstan(home, "executions", "show", id, "--json")).stdout)).toMatchObject({ state: "FAILED", error: { stepPath: "prepare" } });
    const unknown = await capstan(home, "restart", id, "--from", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the flow has no step "nope"');

    // Restarting from the last step re-runs only that step.
    const ok = await capstan(home, "run", fixture("resumable.ts"), "--input", `dir=${dir}`, "-o", "json");
    const okId = jsonLines<{ executionId: string }>(ok.stdout)[0]!.executionId;
    const before = effects(dir).length;
    const restarted = await capstan(home, "restart", okId.slice(0, 10), "--from", "finish", "-o", "json");
    expect(restarted.code).toBe(0);
    expect(effects(dir).slice(before)).toEqual(["finish"]);
    const newId = jsonLines<{ executionId: string }>(restarted.stdout)[0]!.executionId;
    expect(newId).not.toBe(okId);
    const ex = JSON.parse((await capstan(home, "executions", "show", newId, "--json")).stdout);
    expect(ex).toMatchObject({ state: "SUCCESS", trigger: { type: "restart", executionId: okId, from: "finish" }, steps: { prepare: { resumed: true } } });
  });

  it("lists and filters executions, and follows logs while a run goes on", async () => {
    const home = tempDir();
    const dir = tempDir();
    const run = flowFile(home, fixture("resumable.ts"), ["--input", `dir=${dir}`, "-o", "json"]);
    await run.waitFor('"type":"step.checkpoint"');
    const id = jsonLines<{ executionId: string }>(await run.waitFor('"type":"log"'))[0]!.executionId;
    const running = JSON.parse((await capstan(home, "executions", "--state", "RUNNING", "--json")).stdout);
    expect(running.map((e: { id: string }) => e.id)).toEqual([id]);
    const follow = start([join(import.meta.dirname, "../bin/capstan.js"), "logs", id, "--follow"], home);
    await follow.waitFor("uploaded part 1");
    writeFileSync(join(dir, "go"), "");
    const followed = await follow.done;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/prepared[\s\S]*uploaded part 1[\s\S]*finished/);
    expect((await run.done).code).toBe(0);
    expect(existsSync(join(home, "executions", `${id}.lock`))).toBe(false);
    const table = await capstan(home, "executions", "--flow", "resumable");
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+FLOW\\s+STATE\\s+TRIGGER\\s+STARTED\\s+DURATION\\n${id}\\s+resumable\\s+SUCCESS\\s+manual \\(cli\\)`));
    expect((await capstan(home, "executions", "--flow", "other")).stdout).toBe("no executions match\n");
    const norecord = await capstan(tempDir(), "run", fixture("resumable.ts"), "--input", `dir=${dir}`, "--no-record", "-o", "plain");
    expect(norecord.code).toBe(0);
    expect(norecord.stdout).not.toMatch(/^execution /m);
  });
});
