/** Executes parsed scripts: lists, pipelines, redirections, compound commands, functions, traps and special builtins. */

import type { AndOr, Command, Pipeline, Script, SimpleCommand } from "./ast.js";
import type { ContainerFs } from "../kubelet/types.js";
import { BufferOutput, Input, type Output } from "./io.js";
import { Pipe } from "./pipe.js";
import { expandFields, expandPattern, expandString, ExpansionError, type ExpandEnv } from "./expand.js";
import { globToRegExp, resolvePath } from "./paths.js";
import { parseScript, ShellSyntaxError } from "./parser.js";
import { ExitSignal, isAbortError, LoopSignal, ReturnSignal, type CommandContext } from "./context.js";
import { runSpecial } from "./special.js";
import { applyRedirects, RedirectError } from "./redirects.js";
import type { Io, ShellHost, State } from "./state.js";
import { lookupCommand } from "./commands.js";

export interface ShellOptions {
  fs: ContainerFs;
  env?: Record<string, string>;
  /** Positional parameters $1..; `argv0` is $0. */
  args?: string[];
  argv0?: string;
  stdin?: Input | AsyncIterable<Uint8Array> | Uint8Array | string;
  stdout: Output;
  stderr: Output;
  /** Abort = SIGTERM: runs the TERM trap, then exits 143 unless the trap exits. */
  signal?: AbortSignal;
  /** Simulated sleep (seconds of script time); default scales 1 s to 1 ms. */
  sleep?: (seconds: number, signal: AbortSignal) => Promise<void>;
  cwd?: string;
  hostname?: string;
  now?: () => number;
}


function defaultSleep(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, seconds);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(): Error {
  const e = new Error("terminated");
  e.name = "AbortError";
  return e;
}

export class Shell implements ShellHost {
  readonly options: ShellOptions;
  state: State;
  signal: AbortSignal;
  /** While running a trap handler abort checks are off, so the handler itself can run. */
  #inTrap = false;
  #condDepth = 0;

  get fs(): ContainerFs {
    return this.options.fs;
  }

  constructor(options: ShellOptions, state?: State) {
    this.options = options;
    this.signal = options.signal ?? new AbortController().signal;
    this.state = state ?? {
      vars: new Map(Object.entries({ PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", IFS: " \t\n", ...(options.env ?? {}) })),
      exported: new Set(["PATH", "HOME", ...Object.keys(options.env ?? {})]),
      functions: new Map(),
      positional: options.args ?? [],
      argv0: options.argv0 ?? "sh",
      cwd: options.cwd ?? "/",
      status: 0,
      traps: new Map(),
      errexit: false,
      jobs: [],
      lastJob: 0,
    };
    if (!this.state.vars.has("PWD")) this.state.vars.set("PWD", this.state.cwd);
  }

  /** Runs a whole script as `sh -c` does, including traps; returns the exit status. */
  async run(source: string, io?: Partial<Io>): Promise<number> {
    const full: Io = { stdin: io?.stdin ?? toInput(this.options.stdin), stdout: io?.stdout ?? this.options.stdout, stderr: io?.stderr ?? this.options.stderr };
    let status: number;
    try {
      const script = parseScript(source);
      status = await this.execScript(script, full);
    } catch (err) {
      status = await this.#handleTopLevel(err, full);
    }
    const exitTrap = this.state.traps.get("EXIT");
    if (exitTrap) {
      this.state.traps.delete("EXIT");
      this.state.status = status;
      const s = await this.#runTrap(exitTrap, full);
      if (s.exited) status = s.status;
    }
    return status;
  }

  async #handleTopLevel(err: unknown, io: Io): Promise<number> {
    if (err instanceof ExitSignal) return err.code;
    if (err instanceof ShellSyntaxError) {
      io.stderr.write(`sh: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ExpansionError) {
      io.stderr.write(`sh: ${err.message}\n`);
      return 1;
    }
    if (isAbortError(err) || this.signal.aborted) {
      const handler = this.state.traps.get("TERM");
      if (handler !== undefined && handler !== "") {
        const r = await this.#runTrap(handler, io);
        return r.exited ? r.status : 143;
      }
      return 143;
    }
    if (err instanceof ReturnSignal) return err.code;
    if (err instanceof LoopSignal) return 0;
    io.stderr.write(`sh: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  async #runTrap(handler: string, io: Io): Promise<{ exited: boolean; status: number }> {
    this.#inTrap = true;
    try {
      const status = await this.execScript(parseScript(handler), io);
      return { exited: false, status };
    } catch (err) {
      if (err instanceof ExitSignal) return { exited: true, status: err.code };
      return { exited: false, status: 1 };
    } finally {
      this.#inTrap = false;
    }
  }

  fork(): Shell {
    const s = this.state;
    const state: State = {
      ...s,
      vars: new Map(s.vars),
      exported: new Set(s.exported),
      functions: new Map(s.functions),
      positional: [...s.positional],
      traps: new Map(),
      jobs: [],
    };
    const child = new Shell(this.options, state);
    child.signal = this.signal;
    child.#inTrap = this.#inTrap;
    return child;
  }

  checkAbort(): void {
    if (this.signal.aborted && !this.#inTrap) throw abortError();
  }

  // ---- execution ---------------------------------------------------------------------------

  async execScript(script: Script, io: Io): Promise<number> {
    let status = this.state.status;
    for (const item of script) {
      this.checkAbort();
      if (item.background) {
        const child = this.fork();
        const job = child.execAndOr(item, io).catch(() => 1);
        this.state.jobs.push(job);
        this.state.lastJob = 1000 + this.state.jobs.length;
        status = 0;
      } else status = await this.execAndOr(item, io);
      this.state.status = status;
    }
    return status;
  }

  async execAndOr(item: AndOr, io: Io): Promise<number> {
    // Only the last pipeline of an and-or list can trigger `set -e`, as in POSIX sh.
    let status = await this.#guarded(item.rest.length > 0, () => this.execPipeline(item.first, io));
    for (let i = 0; i < item.rest.length; i++) {
      const step = item.rest[i];
      if (!step) continue;
      this.state.status = status;
      if ((step.op === "&&" && status === 0) || (step.op === "||" && status !== 0)) {
        status = await this.#guarded(i < item.rest.length - 1, () => this.execPipeline(step.pipeline, io));
      } else if (i === item.rest.length - 1) {
        // the list ended through a skipped step: its status never triggers errexit
        this.state.status = status;
        return status;
      }
    }
    this.state.status = status;
    if (this.state.errexit && status !== 0 && this.#condDepth === 0 && !item.first.negate) throw new ExitSignal(status);
    return status;
  }

  async #guarded(inCondition: boolean, run: () => Promise<number>): Promise<number> {
    if (!inCondition) return run();
    this.#condDepth++;
    try {
      return await run();
    } finally {
      this.#condDepth--;
    }
  }

  async execPipeline(p: Pipeline, io: Io): Promise<number> {
    let status: number;
    if (p.commands.length === 1) {
      status = await this.execCommand(p.commands[0] as Command, io);
    } else {
      const pipes = p.commands.slice(1).map(() => new Pipe());
      const runs = p.commands.map(async (cmd, i) => {
        const stdin = i === 0 ? io.stdin : new Input(pipes[i - 1] as Pipe);
        const out = i === p.commands.length - 1 ? io.stdout : (pipes[i] as Pipe);
        try {
          return await this.fork().execCommand(cmd, { stdin, stdout: out, stderr: io.stderr });
        } catch (err) {
          if (err instanceof ExitSignal) return err.code;
          throw err;
        } finally {
          if (i < p.commands.length - 1) (pipes[i] as Pipe).close();
        }
      });
      const results = await Promise.all(runs);
      status = results[results.length - 1] ?? 0;
    }
    return p.negate ? (status === 0 ? 1 : 0) : status;
  }

  async execCommand(cmd: Command, io: Io): Promise<number> {
    this.checkAbort();
    let rio: Io;
    try {
      rio = await applyRedirects(this, cmd.redirects, io);
    } catch (err) {
      if (!(err instanceof RedirectError)) throw err;
      io.stderr.write(`sh: ${err.message}\n`);
      return 1;
    }
    switch (cmd.type) {
      case "simple":
        return this.execSimple(cmd, rio);
      case "if": {
        for (const clause of cmd.clauses) {
          if ((await this.#cond(clause.cond, rio)) === 0) return this.execScript(clause.body, rio);
        }
        return cmd.elseBody ? this.execScript(cmd.elseBody, rio) : 0;
      }
      case "while":
      case "until": {
        let status = 0;
        for (;;) {
          this.checkAbort();
          const c = await this.#cond(cmd.cond, rio);
          if (cmd.type === "while" ? c !== 0 : c === 0) break;
          const r = await this.#loopBody(cmd.body, rio);
          status = r.status;
          if (r.brk) break;
        }
        return status;
      }
      case "for": {
        const items = cmd.items ? (await Promise.all(cmd.items.map((w) => expandFields(w, this.expandEnv())))).flat() : [...this.state.positional];
        let status = 0;
        for (const item of items) {
          this.checkAbort();
          this.state.vars.set(cmd.name, item);
          const r = await this.#loopBody(cmd.body, rio);
          status = r.status;
          if (r.brk) break;
        }
        return status;
      }
      case "case": {
        const subject = await expandString(cmd.subject, this.expandEnv());
        for (const item of cmd.items) {
          for (const pw of item.patterns) {
            const pat = await expandPattern(pw, this.expandEnv());
            if (globToRegExp(pat.text, pat.escaped).test(subject)) return this.execScript(item.body, rio);
          }
        }
        return 0;
      }
      case "group":
        return this.execScript(cmd.body, rio);
      case "subshell": {
        try {
          return await this.fork().execScript(cmd.body, rio);
        } catch (err) {
          if (err instanceof ExitSignal) return err.code;
          throw err;
        }
      }
      case "function":
        this.state.functions.set(cmd.name, cmd.body);
        return 0;
    }
  }

  async #cond(script: Script, io: Io): Promise<number> {
    this.#condDepth++;
    try {
      return await this.execScript(script, io);
    } finally {
      this.#condDepth--;
    }
  }

  async #loopBody(body: Script, io: Io): Promise<{ status: number; brk: boolean }> {
    try {
      return { status: await this.execScript(body, io), brk: false };
    } catch (err) {
      if (err instanceof LoopSignal) {
        if (err.levels > 1) {
          err.levels--;
          throw err;
        }
        return { status: 0, brk: err.kind === "break" };
      }
      throw err;
    }
  }

  async execSimple(cmd: SimpleCommand, io: Io): Promise<number> {
    const env = this.expandEnv();
    const argv: string[] = [];
    for (const w of cmd.words) argv.push(...(await expandFields(w, env)));
    const assigns: [string, string][] = [];
    for (const a of cmd.assigns) assigns.push([a.name, await expandString(a.value, env)]);
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.state.vars.set(k, v);
      return cmd.words.length > 0 ? this.state.status : 0;
    }
    return this.invoke(argv, io, Object.fromEntries(assigns));
  }

  /** Runs argv: function, special builtin, command or "not found". */
  async invoke(argv: string[], io: Io, tempEnv: Record<string, string> = {}): Promise<number> {
    const name = argv[0] ?? "";
    const args = argv.slice(1);
    const fn = this.state.functions.get(name);
    if (fn) {
      const saved = this.state.positional;
      this.state.positional = args;
      try {
        return await this.execCommand(fn, io);
      } catch (err) {
        if (err instanceof ReturnSignal) return err.code;
        throw err;
      } finally {
        this.state.positional = saved;
      }
    }
    const special = await runSpecial(this, name, args, io);
    if (special !== undefined) return special;
    const base = name.includes("/") && /^\/(usr\/)?(local\/)?s?bin\//.test(name) ? name.slice(name.lastIndexOf("/") + 1) : name;
    const impl = lookupCommand(base);
    if (!impl) {
      io.stderr.write(`sh: ${name}: not found\n`);
      return 127;
    }
    const ctx = this.#context(base, args, io, tempEnv);
    try {
      return await impl(ctx);
    } catch (err) {
      if (err instanceof ExitSignal || err instanceof ReturnSignal || err instanceof LoopSignal || isAbortError(err)) throw err;
      io.stderr.write(`${base}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }

  #context(name: string, args: string[], io: Io, tempEnv: Record<string, string>): CommandContext {
    const env: Record<string, string> = {};
    for (const k of this.state.exported) {
      const v = this.state.vars.get(k);
      if (v !== undefined) env[k] = v;
    }
    Object.assign(env, tempEnv);
    const sleep = this.options.sleep ?? defaultSleep;
    return {
      name,
      args,
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      fs: this.options.fs,
      cwd: this.state.cwd,
      resolve: (p) => resolvePath(this.state.cwd, p),
      env,
      signal: this.signal,
      sleep: (s) => sleep(s, this.signal),
      now: this.options.now ?? Date.now,
      hostname: this.options.hostname ?? "localhost",
      run: (argv, o) => this.invoke(argv, { stdin: o?.stdin ?? io.stdin, stdout: o?.stdout ?? io.stdout, stderr: o?.stderr ?? io.stderr }),
    };
  }

  expandEnv(): ExpandEnv {
    const s = this.state;
    return {
      getVar: (n) => s.vars.get(n),
      setVar: (n, v) => void s.vars.set(n, v),
      positional: () => s.positional,
      special: (n) => {
        switch (n) {
          case "?":
            return String(s.status);
          case "$":
            return "1";
          case "!":
            return s.lastJob ? String(s.lastJob) : "";
          case "0":
            return s.argv0;
          case "-":
            return s.errexit ? "e" : "";
          default:
            return undefined;
        }
      },
      substitute: async (script) => {
        const buf = new BufferOutput();
        const child = this.fork();
        try {
          s.status = await child.execScript(script, { stdin: Input.empty(), stdout: buf, stderr: this.options.stderr });
        } catch (err) {
          if (err instanceof ExitSignal) s.status = err.code;
          else throw err;
        }
        return buf.text();
      },
      fs: this.options.fs,
      cwd: s.cwd,
    };
  }
}


function toInput(stdin: ShellOptions["stdin"]): Input {
  if (stdin === undefined) return Input.empty();
  if (stdin instanceof Input) return stdin;
  return new Input(stdin);
}
