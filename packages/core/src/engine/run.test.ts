import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { defineTask } from "../task/define.js";
import { secret, staticSecrets } from "../runtime/secrets.js";
import { CapstanError, InputError } from "../errors.js";
import type { ExecutionEvent } from "./events.js";

const echo = defineTask({
  type: "test.echo",
  input: z.object({ text: z.string(), times: z.number().int().min(1).default(1) }),
  run: ({ text, times }, ctx) => {
    ctx.log.info(`echo ${text}`);
    return { text: text.repeat(times) };
  },
});

describe("flow.run", () => {
  it("passes outputs between steps and records each step", async () => {
    const f = flow({ id: "seq", inputs: z.object({ name: z.string() }) })
      .step("a", ({ inputs }) => ({ greeting: `hi ${inputs.name}` }))
      .step("b", echo(({ steps }) => ({ text: steps.a.greeting, times: 2 })))
      .step(echo({ text: "x" }));
    const ex = await f.run({ inputs: { name: "ops" } });
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.b.text).toBe("hi opshi ops");
    expect(ex.outputs?.echo.text).toBe("x");
    expect(Object.keys(ex.steps)).toEqual(["a", "b", "echo"]);
    expect(ex.steps.b).toMatchObject({ state: "SUCCESS", attempts: 1, task: "test.echo", kind: "step" });
    expect(ex.steps.a?.task).toBe("function");
    expect(ex.logs.map((l) => `${l.path}: ${l.message}`)).toEqual(["b: echo hi ops", "echo: echo x"]);
  });

  it("rejects invalid inputs listing every bad path, before any step runs", async () => {
    const ran = vi.fn();
    const f = flow({ id: "in", inputs: z.object({ deployments: z.array(z.string()), namespace: z.string(), replicas: z.number().int() }) }).step("a", ran);
    const err = await f.run({ inputs: { deployments: ["a", 2], replicas: 1.5 } as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.code).toBe("CAPSTAN_INPUT_INVALID");
    expect(e.issues.map((i) => i.path).sort()).toEqual(["deployments.1", "namespace", "replicas"]);
    expect(e.message).toContain("deployments.1");
    expect(e.hint).toMatch(/--help/);
    expect(ran).not.toHaveBeenCalled();
  });

  it("validates task parameters and names the field; such errors are not retried", async () => {
    let calls = 0;
    const f = flow({ id: "bad" }).step("b", () => { calls++; return echo({ text: 5 as never }); }, { retry: { attempts: 3, delay: 1 } });
    const ex = await f.run();
    expect(ex.state).toBe("FAILED");
    expect(calls).toBe(1);
    expect(ex.error).toMatchObject({ code: "CAPSTAN_TASK_INPUT_INVALID", stepPath: "b" });
    expect(ex.error?.message).toMatch(/text: Invalid input: expected string, received number/);
  });

  it("runs independent steps concurrently and dependents after them", async () => {
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const work = (name: string) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      order.push(`end ${name}`);
      return name;
    };
    const f = flow({ id: "dag" })
      .step("a", work("a"), { needs: [] })
      .step("b", work("b"), { needs: [] })
      .step("c", work("c"), { needs: [] })
      .step("join", ({ steps }) => [steps.a, steps.b, steps.c].join(""), { needs: ["a", "b", "c"] });
    const ex = await f.run();
    expect(ex.outputs?.join).toBe("abc");
    expect(maxInFlight).toBe(3);
    expect(order.indexOf("start join" as never)).toBe(-1);
    expect(ex.steps.join?.startedAt).toBeGreaterThanOrEqual(Math.max(ex.steps.a!.endedAt!, ex.steps.b!.endedAt!, ex.steps.c!.endedAt!));
  });

  it("says clearly when a step reads an output that has not finished", async () => {
    const f = flow({ id: "vis" })
      .step("slow", async () => { await new Promise((r) => setTimeout(r, 5)); return 1; })
      .step("eager", ({ steps }) => (steps as Record<string, unknown>).slow, { needs: [] as never[] });
    const ex = await f.run();
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ code: "CAPSTAN_STEP_NOT_VISIBLE", stepPath: "eager" });
    expect(ex.error?.hint).toContain('needs: ["slow"]');
  });

  it("lets allowFailure steps fail without failing the flow", async () => {
    const f = flow({ id: "af" })
      .step("flaky", () => { throw new Error("boom"); }, { allowFailure: true })
      .step("after", ({ steps }) => steps.flaky ?? "fallback");
    const ex = await f.run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.after).toBe("fallback");
    expect(ex.steps.flaky).toMatchObject({ state: "FAILED", allowed: true, error: { message: "boom" } });
  });

  it("runs errors then finally on failure, and finally alone on success", async () => {
    const seen: string[] = [];
    const build = (fail: boolean) =>
      flow({ id: "ef" })
        .step("a", () => { seen.push("a"); return 1; })
        .step("b", () => { if (fail) throw new CapstanError("E_TEST", "b broke", { hint: "fix b" }); seen.push("b"); return 2; })
        .step("c", () => { seen.push("c"); return 3; })
        .errors((e) => e.step("alert", ({ error, steps }) => { seen.push(`errors:${error.stepId}:${error.code}:${steps.a}`); return error.message; }))
        .finally((f) => f.step("cleanup", () => { seen.push("finally"); }));
    const failed = await build(true).run();
    expect(failed.state).toBe("FAILED");
    expect(failed.error).toMatchObject({ code: "E_TEST", stepPath: "b", hint: "fix b" });
    expect(seen).toEqual(["a", "errors:b:E_TEST:1", "finally"]);
    expect(failed.steps["errors.alert"]?.state).toBe("SUCCESS");
    expect(failed.steps.c).toBeUndefined();
    seen.length = 0;
    const ok = await build(false).run();
    expect(ok.state).toBe("SUCCESS");
    expect(seen).toEqual(["a", "b", "c", "finally"]);
  });

  it("fails the execution when finally fails after success", async () => {
    const ex = await flow({ id: "ff" }).step("a", () => 1).finally((f) => f.step("boom", () => { throw new Error("cleanup failed"); })).run();
    expect(ex.state).toBe("FAILED");
    expect(ex.error?.message).toContain("cleanup failed");
  });

  it("if runs one arm and records the other as skipped", async () => {
    const build = (ready: boolean) =>
      flow({ id: "if" })
        .step("check", () => ({ ready }))
        .if("gate", ({ steps }) => steps.check.ready, (t) => t.step("promote", () => "promoted"), (e) => e.step("issue", () => "opened").step("stop", () => "stopped"));
    const yes = await build(true).run();
    expect(yes.outputs?.gate).toEqual({ taken: "then", steps: { promote: "promoted" } });
    expect(yes.steps["gate.then.promote"]?.state).toBe("SUCCESS");
    expect(yes.steps["gate.else.issue"]?.state).toBe("SKIPPED");
    expect(yes.steps["gate.else.stop"]?.state).toBe("SKIPPED");
    expect(yes.steps.gate?.taken).toBe("then");
    const no = await build(false).run();
    expect(no.outputs?.gate).toEqual({ taken: "else", steps: { issue: "opened", stop: "stopped" } });
    expect(no.steps["gate.then.promote"]?.state).toBe("SKIPPED");
  });

  it("parallel runs branches concurrently and joins", async () => {
    let inFlight = 0;
    let max = 0;
    const slow = (v: string) => async () => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return v;
    };
    const ex = await flow({ id: "par" })
      .parallel("checks", { lint: (b) => b.step("l", slow("L")), test: (b) => b.step("t", slow("T")).step("t2", ({ steps }) => steps.t + "2") })
      .step("after", ({ steps }) => steps.checks.lint.l + steps.checks.test.t2)
      .run();
    expect(max).toBe(2);
    expect(ex.outputs?.after).toBe("LT2");
    expect(ex.steps["checks.test.t2"]?.state).toBe("SUCCESS");
  });

  it("emits events for every transition and log line, in order", async () => {
    const events: ExecutionEvent[] = [];
    const ex = await flow({ id: "ev" })
      .step("a", ({ log }) => { log.info("hello"); log.debug("hidden at info level"); return 1; })
      .step("b", () => 2)
      .run({ onEvent: (e) => events.push(e) });
    expect(events.map((e) => ("path" in e ? `${e.type}:${e.path}` : e.type))).toEqual([
      "execution.started",
      "step.started:a",
      "log:a",
      "step.finished:a",
      "step.started:b",
      "step.finished:b",
      "execution.finished",
    ]);
    expect(events.every((e) => e.executionId === ex.id)).toBe(true);
  });

  it("resolves secrets in task parameters and masks them in logs and errors", async () => {
    const leak = defineTask({
      type: "test.leak",
      input: z.object({ token: z.string() }),
      run: ({ token }, ctx) => {
        ctx.log.info(`token is ${token}; b64 ${Buffer.from(token).toString("base64")}`);
        throw new Error(`auth failed for ${token}`);
      },
    });
    const ex = await flow({ id: "sec" }).step("s", leak({ token: secret("API_TOKEN") })).run({ secrets: [staticSecrets({ API_TOKEN: "s3cr3t-value" })] });
    expect(ex.logs[0]?.message).toBe("token is ****; b64 ****");
    expect(ex.error).toMatchObject({ message: "auth failed for ****", stepPath: "s" });
    expect(JSON.stringify(ex)).not.toContain("s3cr3t");
  });

  it("fails a step before it runs when a secret is missing, naming the secret and providers", async () => {
    const run = vi.fn();
    const t = defineTask({ type: "test.t", input: z.object({ token: z.string() }), run });
    const ex = await flow({ id: "sec" }).step("s", t({ token: secret("NOPE") })).run({ secrets: [staticSecrets({}, "test-map")] });
    expect(run).not.toHaveBeenCalled();
    expect(ex.error).toMatchObject({ code: "CAPSTAN_SECRET_MISSING" });
    expect(ex.error?.message).toContain('secret "NOPE" was not found (tried: test-map)');
  });

  it("validates task outputs against their schema", async () => {
    const bad = defineTask({ type: "test.bad", input: z.object({}), output: z.object({ n: z.number() }), run: () => ({ n: "x" }) as never });
    const ex = await flow({ id: "out" }).step("b", bad({})).run();
    expect(ex.error?.code).toBe("CAPSTAN_TASK_OUTPUT_INVALID");
  });

  it("keeps all, none or the newest N log lines in the execution, while events get every line", async () => {
    const chatty = flow({ id: "logs" }).step("talk", ({ log }) => { for (let i = 1; i <= 25; i++) log.info(`line ${i}`); });
    let events = 0;
    expect((await chatty.run()).logs).toHaveLength(25);
    expect((await chatty.run({ keepLogs: false })).logs).toHaveLength(0);
    const last = await chatty.run({ keepLogs: 4, onEvent: (e) => void (e.type === "log" && events++) });
    expect(last.logs.map((l) => l.message)).toEqual(["line 22", "line 23", "line 24", "line 25"]);
    expect(events).toBe(25);
  });

  it("uses .outputs() for the flow's outputs", async () => {
    const ex = await flow({ id: "o" }).step("a", () => 2).step("b", () => 3).outputs(({ steps }) => ({ sum: steps.a + steps.b })).run();
    expect(ex.outputs).toEqual({ sum: 5 });
  });
});
