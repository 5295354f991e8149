/** Table of the external commands the built-in shell provides. */

import type { CommandImpl } from "./context.js";
import { TEXT_COMMANDS } from "./builtins-text.js";
import { FS_COMMANDS } from "./builtins-fs.js";
import { SYS_COMMANDS } from "./builtins-sys.js";
import { tar } from "./tar.js";

const COMMANDS: Record<string, CommandImpl> = { ...TEXT_COMMANDS, ...SYS_COMMANDS, ...FS_COMMANDS, tar };

export function lookupCommand(name: string): CommandImpl | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

export const SHELL_NAMES = new Set(["sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/bash", "/usr/bin/sh"]);

/** True when `argv[0]` is something the built-in shell can run (a shell, a builtin or a command). */
export function isKnownCommand(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return SHELL_NAMES.has(name) || Object.hasOwn(COMMANDS, base) || ["exit", "trap", "export", "cd", "read", "set", "wait", "exec", ":", "eval"].includes(base);
}
