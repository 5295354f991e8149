/** Builds the ContainerContext a program runs with, and runs a program to an exit code. */

import type { ContainerContext, ContainerFs, ContainerProgram, OutputWriter, RuntimeTiming } from "./types.js";
import type { Pod } from "../controllers/k8s-types.js";
import { delay, scaledMs } from "./timing.js";
import { Input, toBytes } from "../shell/io.js";
import { Shell } from "../shell/interpreter.js";

export interface ContextInit {
  pod: Pod;
  containerName: string;
  image: string;
  command: string[];
  args: string[];
  env: Record<string, string>;
  fs: ContainerFs;
  stdin?: AsyncIterable<Uint8Array>;
  stdout: OutputWriter;
  stderr: OutputWriter;
  signal: AbortSignal;
  restartCount: number;
  isExec: boolean;
  timing: RuntimeTiming;
  now: () => number;
  setReady: (ready: boolean) => void;
}

export function makeContext(init: ContextInit): ContainerContext {
  const stdin: AsyncIterable<Uint8Array> = init.stdin ?? (async function* () {})();
  const sleep = (seconds: number, signal: AbortSignal = init.signal): Promise<void> => delay(scaledMs(init.timing, seconds), signal);
  const ctx: ContainerContext = {
    namespace: init.pod.metadata.namespace ?? "default",
    podName: init.pod.metadata.name ?? "",
    pod: structuredClone(init.pod),
    containerName: init.containerName,
    image: init.image,
    command: init.command,
    args: init.args,
    env: init.env,
    fs: init.fs,
    stdin,
    stdout: init.stdout,
    stderr: init.stderr,
    signal: init.signal,
    restartCount: init.restartCount,
    isExec: init.isExec,
    setReady: init.setReady,
    sleep: (seconds) => sleep(seconds),
    sh: (script) => shell(ctx, init, sleep).run(script),
  };
  return ctx;
}

function shell(ctx: ContainerContext, init: ContextInit, sleep: (s: number, signal: AbortSignal) => Promise<void>): Shell {
  return new Shell({
    fs: ctx.fs,
    env: ctx.env,
    stdin: new Input(ctx.stdin),
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    signal: ctx.signal,
    sleep,
    hostname: ctx.env["HOSTNAME"] ?? ctx.podName,
    now: init.now,
    cwd: "/",
  });
}

/** Runs `program`; void means 0, a thrown error exits 1 (its message on stderr), a SIGTERM abort 143. */
export async function runProgram(program: ContainerProgram, ctx: ContainerContext): Promise<number> {
  try {
    const code = await program(ctx);
    return typeof code === "number" ? code & 255 : 0;
  } catch (err) {
    if (ctx.signal.aborted && err instanceof Error && (err.name === "AbortError" || err === ctx.signal.reason)) return 143;
    ctx.stderr.write(toBytes(`${err instanceof Error ? err.message : String(err)}\n`));
    return 1;
  }
}
