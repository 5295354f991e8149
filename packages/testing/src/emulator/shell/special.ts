/** Special builtins (exit, return, break, export, set, cd, trap, read, eval, ., exec, wait) and nested `sh`. */

import { ExitSignal, LoopSignal, ReturnSignal } from "./context.js";
import { toText } from "./io.js";
import { parseScript } from "./parser.js";
import { resolvePath } from "./paths.js";
import { SIGNALS, type Io, type ShellHost } from "./state.js";

/** Builtins that change shell state; undefined when `name` is not one of them. */
export async function runSpecial(shell: ShellHost, name: string, args: string[], io: Io): Promise<number | undefined> {
  const s = shell.state;
  switch (name) {
    case ":":
      return 0;
    case "exit":
      throw new ExitSignal(args[0] !== undefined ? Number.parseInt(args[0], 10) & 255 : s.status);
    case "return":
      throw new ReturnSignal(args[0] !== undefined ? Number.parseInt(args[0], 10) & 255 : s.status);
    case "break":
    case "continue":
      throw new LoopSignal(name, args[0] ? Math.max(1, Number.parseInt(args[0], 10)) : 1);
    case "export":
    case "readonly":
    case "local": {
      for (const a of args.filter((x) => !x.startsWith("-"))) {
        const eq = a.indexOf("=");
        const key = eq < 0 ? a : a.slice(0, eq);
        if (eq >= 0) s.vars.set(key, a.slice(eq + 1));
        if (name === "export") s.exported.add(key);
      }
      return 0;
    }
    case "unset":
      for (const a of args.filter((x) => !x.startsWith("-"))) {
        s.vars.delete(a);
        s.functions.delete(a);
      }
      return 0;
    case "set": {
      for (let i = 0; i < args.length; i++) {
        const a = args[i] ?? "";
        if (a === "--") {
          s.positional = args.slice(i + 1);
          return 0;
        }
        if (a === "-o" || a === "+o") {
          i++;
          continue;
        }
        if (/^[-+][a-z]+$/.test(a)) {
          if (a.includes("e")) s.errexit = a.startsWith("-");
          continue;
        }
        s.positional = args.slice(i);
        return 0;
      }
      return 0;
    }
    case "shift": {
      const n = args[0] ? Number.parseInt(args[0], 10) : 1;
      if (n > s.positional.length) return 1;
      s.positional = s.positional.slice(n);
      return 0;
    }
    case "cd": {
      const target = resolvePath(s.cwd, args[0] ?? s.vars.get("HOME") ?? "/");
      if (shell.fs.stat(target)?.type !== "dir") {
        io.stderr.write(`sh: cd: can't cd to ${args[0] ?? ""}: No such file or directory\n`);
        return 2;
      }
      s.cwd = target;
      s.vars.set("PWD", target);
      return 0;
    }
    case "trap": {
      if (args.length === 0) {
        for (const [sig, h] of s.traps) io.stdout.write(`trap -- '${h}' ${sig}\n`);
        return 0;
      }
      const [handler, ...sigs] = args;
      for (const sig of sigs) {
        const norm = SIGNALS[sig.toUpperCase()] ?? sig.toUpperCase();
        if (handler === "-") s.traps.delete(norm);
        else s.traps.set(norm, handler ?? "");
      }
      return 0;
    }
    case "read": {
      const names = args.filter((a) => !a.startsWith("-"));
      const line = await io.stdin.readLine();
      if (line === undefined) {
        for (const n of names) s.vars.set(n, "");
        return 1;
      }
      const vars = names.length ? names : ["REPLY"];
      const fields = line.trim().split(/[ \t]+/);
      vars.forEach((n, i) => s.vars.set(n, i === vars.length - 1 ? fields.slice(i).join(" ") : (fields[i] ?? "")));
      return 0;
    }
    case "eval":
      return shell.execScript(parseScript(args.join(" ")), io);
    case ".":
    case "source": {
      const path = resolvePath(s.cwd, args[0] ?? "");
      if (!shell.fs.exists(path)) {
        io.stderr.write(`sh: .: ${args[0] ?? ""}: not found\n`);
        return 1;
      }
      return shell.execScript(parseScript(shell.fs.readText(path)), io);
    }
    case "exec":
      if (args.length === 0) return 0;
      throw new ExitSignal(await shell.invoke(args, io));
    case "wait": {
      const jobs = s.jobs.splice(0);
      const results = await Promise.all(jobs);
      return results[results.length - 1] ?? 0;
    }
    case "sh":
    case "bash":
    case "ash":
    case "/bin/sh":
    case "/bin/bash":
    case "/bin/ash":
      return runNested(shell, name, args, io);
    default:
      return undefined;
  }
}

/** `sh -c script [arg0 args...]`, `sh file`, or a script on stdin, in a child shell. */
async function runNested(shell: ShellHost, name: string, args: string[], io: Io): Promise<number> {
  let i = 0;
  let script: string | undefined;
  while (i < args.length && (args[i] ?? "").startsWith("-")) {
    const a = args[i] ?? "";
    i++;
    if (a.includes("c")) {
      script = args[i] ?? "";
      i++;
      break;
    }
  }
  const rest = args.slice(i);
  if (script === undefined) {
    if (rest.length === 0) script = toText(await io.stdin.readAll());
    else {
      const path = resolvePath(shell.state.cwd, rest[0] ?? "");
      if (!shell.fs.exists(path)) {
        io.stderr.write(`${name}: can't open '${rest[0] ?? ""}': No such file or directory\n`);
        return 2;
      }
      script = shell.fs.readText(path);
      const child = shell.fork();
      child.state.argv0 = rest[0] ?? name;
      child.state.positional = rest.slice(1);
      child.state.traps = new Map();
      return child.run(script, io);
    }
  }
  const child = shell.fork();
  child.state.argv0 = rest[0] ?? name;
  child.state.positional = rest.slice(1);
  return child.run(script, io);
}
