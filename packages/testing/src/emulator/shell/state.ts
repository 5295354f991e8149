/** Shell state and the host interface the special builtins and redirections work against. */

import type { Command, Script } from "./ast.js";
import type { Input, Output } from "./io.js";
import type { ExpandEnv } from "./expand.js";
import type { ContainerFs } from "../kubelet/types.js";

export interface Io {
  stdin: Input;
  stdout: Output;
  stderr: Output;
}

export interface State {
  vars: Map<string, string>;
  exported: Set<string>;
  functions: Map<string, Command>;
  positional: string[];
  argv0: string;
  cwd: string;
  status: number;
  traps: Map<string, string>;
  errexit: boolean;
  jobs: Promise<number>[];
  lastJob: number;
}

/** What the special builtins need from the interpreter (implemented by Shell). */
export interface ShellHost {
  state: State;
  readonly fs: ContainerFs;
  execScript(script: Script, io: Io): Promise<number>;
  invoke(argv: string[], io: Io): Promise<number>;
  fork(): ShellHost;
  run(source: string, io?: Partial<Io>): Promise<number>;
  expandEnv(): ExpandEnv;
}

export const SIGNALS: Record<string, string> = { "0": "EXIT", EXIT: "EXIT", TERM: "TERM", SIGTERM: "TERM", "15": "TERM", INT: "INT", SIGINT: "INT", "2": "INT", HUP: "HUP", SIGHUP: "HUP", "1": "HUP", QUIT: "QUIT", SIGQUIT: "QUIT", "3": "QUIT" };
