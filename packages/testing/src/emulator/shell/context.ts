/** What a shell command implementation receives, and the signals used for control flow. */

import type { ContainerFs } from "../kubelet/types.js";
import type { Input, Output } from "./io.js";

export interface CommandContext {
  name: string;
  args: string[];
  stdin: Input;
  stdout: Output;
  stderr: Output;
  fs: ContainerFs;
  cwd: string;
  resolve(path: string): string;
  /** Exported environment as the command sees it. */
  env: Record<string, string>;
  signal: AbortSignal;
  sleep(seconds: number): Promise<void>;
  now(): number;
  hostname: string;
  /** Runs another command line (argv) with the same streams unless overridden. */
  run(argv: string[], io?: { stdin?: Input; stdout?: Output; stderr?: Output }): Promise<number>;
}

export type CommandImpl = (ctx: CommandContext) => Promise<number> | number;

export class ExitSignal {
  constructor(readonly code: number) {}
}

export class ReturnSignal {
  constructor(readonly code: number) {}
}

export class LoopSignal {
  constructor(
    readonly kind: "break" | "continue",
    public levels: number,
  ) {}
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError");
}

/** Writes `sh: <msg>` style errors. */
export function fail(ctx: CommandContext, message: string, code = 1): number {
  ctx.stderr.write(`${ctx.name}: ${message}\n`);
  return code;
}
