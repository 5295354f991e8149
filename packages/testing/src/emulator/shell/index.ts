/**
 * A small POSIX-like shell for programmable containers and exec sessions: `sh -c` scripts with quoting,
 * expansions (`$?`, `${VAR:-x}`, `$(...)`, `$((...))`), `&&`/`||`/`;`, pipes, redirections, if/while/for/case,
 * functions, `trap ... TERM EXIT`, and the commands tests and file-transfer tools use (echo, cat, tar, ...).
 * Everything runs against an in-memory ContainerFs; `sleep` uses simulated time.
 */

import { Shell, type ShellOptions } from "./interpreter.js";

export { Shell, type ShellOptions } from "./interpreter.js";
export { Input, BufferOutput, type Output } from "./io.js";
export { isKnownCommand, SHELL_NAMES } from "./commands.js";

/** Runs a script (as `sh -c script`); resolves to its exit status. */
export function runScript(script: string, options: ShellOptions): Promise<number> {
  return new Shell(options).run(script);
}

/** Runs an argv (as exec or a container command would); shells get `-c` handling. */
export function runArgv(argv: string[], options: ShellOptions): Promise<number> {
  return new Shell(options).run(quoteArgv(argv));
}

/** Quotes an argv so the shell runs it word for word. */
export function quoteArgv(argv: string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
}
