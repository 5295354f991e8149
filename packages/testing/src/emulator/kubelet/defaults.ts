/** Picks what a container runs: a registered program, its command in the built-in shell, or a default behaviour. */

import type { ContainerProgram, ContainerProgramRegistry, RuntimeTiming } from "./types.js";
import { isKnownCommand, quoteArgv } from "../shell/index.js";
import { delay } from "./timing.js";

/** Runs until SIGTERM, then exits 0 (like a server that shuts down cleanly). */
export const runUntilStopped: ContainerProgram = (ctx) =>
  new Promise<number>((resolve) => {
    if (ctx.signal.aborted) resolve(0);
    else ctx.signal.addEventListener("abort", () => resolve(0), { once: true });
  });

export function mainProgram(registry: ContainerProgramRegistry, image: string, argv: string[], longRunning: boolean, timing: RuntimeTiming): ContainerProgram {
  const registered = registry.resolve(image);
  if (registered) return registered.program;
  const first = argv[0];
  if (first !== undefined && isKnownCommand(first)) return (ctx) => ctx.sh(quoteArgv(argv));
  if (longRunning) return runUntilStopped;
  return async (ctx) => {
    await delay(timing.defaultRunTime, ctx.signal);
    return 0;
  };
}

export function execProgram(registry: ContainerProgramRegistry, image: string): ContainerProgram {
  const registered = registry.resolve(image);
  if (registered?.options.exec) return registered.options.exec;
  return (ctx) => ctx.sh(quoteArgv(ctx.command));
}
