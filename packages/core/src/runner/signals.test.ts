/** A run cancelled by a signal says which one: in the execution's error and the step's. */
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { flow } from "../dsl/flow.js";
import type { Execution } from "../engine/records.js";
import { runCli } from "./cli.js";

it.each(["SIGINT", "SIGTERM"] as const)("records that %s cancelled the execution, and the step's phase", async (sig) => {
  const signals = new EventEmitter();
  let execution: Execution | undefined;
  const waiting = flow({ id: "waits" }).step(
    "wait",
    ({ signal, phase }) =>
      new Promise((_, reject) => {
        phase("waiting");
        signals.emit("waiting");
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      }),
  );
  signals.once("waiting", () => queueMicrotask(() => signals.emit(sig)));
  const code = await runCli(waiting, ["--no-record", "-o", "json"], { stdout: new PassThrough(), stderr: new PassThrough(), signals: signals as never }, { onExecution: (ex) => (execution = ex) });
  expect(code).toBe(130);
  expect(execution?.error).toEqual({ code: "CAPSTAN_CANCELLED", message: `the execution was cancelled by ${sig}` });
  expect(execution?.steps.wait?.error).toEqual({ code: "CAPSTAN_CANCELLED", stepPath: "wait", phase: "waiting", message: `the execution was cancelled by ${sig} (the step was in phase "waiting")` });
});
