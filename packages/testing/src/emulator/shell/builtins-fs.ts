/** Filesystem builtins: touch, mkdir, ls, rm, cp, mv, chmod, find (busybox-style messages). */

import { fail, type CommandContext, type CommandImpl } from "./context.js";
import { copyTree } from "../kubelet/fs.js";
import { basename } from "./paths.js";

function splitFlags(args: string[]): { flags: string; operands: string[] } {
  let flags = "";
  const operands: string[] = [];
  let done = false;
  for (const a of args) {
    if (!done && a === "--") done = true;
    else if (!done && /^-[A-Za-z]+$/.test(a)) flags += a.slice(1);
    else operands.push(a);
  }
  return { flags, operands };
}

function errMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.slice(m.indexOf(": ") + 2);
}

const touch: CommandImpl = (ctx) => {
  const { operands } = splitFlags(ctx.args);
  let status = 0;
  for (const f of operands) {
    const p = ctx.resolve(f);
    try {
      if (ctx.fs.exists(p)) ctx.fs.writeFile(p, "", { append: true });
      else ctx.fs.writeFile(p, "");
    } catch (err) {
      status = fail(ctx, `${f}: ${errMessage(err)}`);
    }
  }
  return status;
};

const mkdir: CommandImpl = (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  if (operands.length === 0) return fail(ctx, "missing operand");
  let status = 0;
  for (const d of operands) {
    try {
      ctx.fs.mkdir(ctx.resolve(d), { recursive: flags.includes("p") });
    } catch (err) {
      status = fail(ctx, `can't create directory '${d}': ${errMessage(err)}`);
    }
  }
  return status;
};

function modeString(type: "file" | "dir", mode: number): string {
  const bits = "rwxrwxrwx";
  let s = type === "dir" ? "d" : "-";
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : "-";
  return s;
}

const ls: CommandImpl = (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const long = flags.includes("l");
  const all = flags.includes("a") || flags.includes("A");
  const targets = operands.length ? operands : ["."];
  let status = 0;
  const line = (name: string, path: string): string => {
    if (!long) return `${name}\n`;
    const st = ctx.fs.stat(path);
    if (!st) return `${name}\n`;
    const date = new Date(st.mtime).toISOString().slice(0, 16).replace("T", " ");
    return `${modeString(st.type, st.mode)}    1 root     root     ${String(st.size).padStart(8)} ${date} ${name}\n`;
  };
  const dirs: string[] = [];
  for (const t of targets) {
    const p = ctx.resolve(t);
    const st = ctx.fs.stat(p);
    if (!st) {
      status = fail(ctx, `${t}: No such file or directory`);
      continue;
    }
    if (st.type === "file" || flags.includes("d")) ctx.stdout.write(line(t, p));
    else dirs.push(t);
  }
  for (const t of dirs) {
    const p = ctx.resolve(t);
    if (targets.length > 1) ctx.stdout.write(`${t}:\n`);
    if (long) ctx.stdout.write(`total ${ctx.fs.readdir(p).length}\n`);
    for (const name of ctx.fs.readdir(p)) {
      if (!all && name.startsWith(".")) continue;
      ctx.stdout.write(line(name, `${p === "/" ? "" : p}/${name}`));
    }
  }
  return status;
};

const rm: CommandImpl = (ctx) => {
  const { flags, operands } = splitFlags(ctx.args);
  const force = flags.includes("f");
  const recursive = flags.includes("r") || flags.includes("R");
  let status = 0;
  for (const f of operands) {
    const p = ctx.resolve(f);
    const st = ctx.fs.stat(p);
    if (!st) {
      if (!force) status = fail(ctx, `can't remove '${f}': No such file or directory`);
      continue;
    }
    if (st.type === "dir" && !recursive) {
      status = fail(ctx, `'${f}' is a directory`);
      continue;
    }
    try {
      ctx.fs.remove(p, { recursive });
    } catch (err) {
      status = fail(ctx, `can't remove '${f}': ${errMessage(err)}`);
    }
  }
  return status;
};

function copyOrMove(ctx: CommandContext, move: boolean): number {
  const { flags, operands } = splitFlags(ctx.args);
  if (operands.length < 2) return fail(ctx, "missing destination file operand");
  const dest = operands[operands.length - 1] ?? "";
  const sources = operands.slice(0, -1);
  const destPath = ctx.resolve(dest);
  const destIsDir = ctx.fs.stat(destPath)?.type === "dir";
  if (sources.length > 1 && !destIsDir) return fail(ctx, `'${dest}' is not a directory`);
  let status = 0;
  for (const s of sources) {
    const src = ctx.resolve(s);
    const st = ctx.fs.stat(src);
    if (!st) {
      status = fail(ctx, `can't stat '${s}': No such file or directory`);
      continue;
    }
    const target = destIsDir ? `${destPath}/${basename(src)}` : destPath;
    try {
      if (move) ctx.fs.rename(src, target);
      else {
        if (st.type === "dir" && !/[rRa]/.test(flags)) {
          status = fail(ctx, `omitting directory '${s}'`);
          continue;
        }
        copyTree(ctx.fs, src, target);
      }
    } catch (err) {
      status = fail(ctx, `can't ${move ? "rename" : "create"} '${dest}': ${errMessage(err)}`);
    }
  }
  return status;
}

const chmod: CommandImpl = (ctx) => {
  const { operands } = splitFlags(ctx.args);
  let status = 0;
  for (const f of operands.slice(1)) if (!ctx.fs.exists(ctx.resolve(f))) status = fail(ctx, `${f}: No such file or directory`);
  return status;
};

const find: CommandImpl = (ctx) => {
  const roots: string[] = [];
  let nameRe: RegExp | undefined;
  let type: string | undefined;
  for (let i = 0; i < ctx.args.length; i++) {
    const a = ctx.args[i] ?? "";
    if (a === "-name") {
      const pat = ctx.args[++i] ?? "*";
      nameRe = new RegExp(`^${pat.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    } else if (a === "-type") type = ctx.args[++i];
    else roots.push(a);
  }
  const walk = (display: string, path: string): void => {
    const st = ctx.fs.stat(path);
    if (!st) return;
    const okType = !type || (type === "d" ? st.type === "dir" : st.type === "file");
    if (okType && (!nameRe || nameRe.test(basename(path)))) ctx.stdout.write(`${display}\n`);
    if (st.type === "dir") for (const n of ctx.fs.readdir(path)) walk(`${display.replace(/\/$/, "")}/${n}`, `${path === "/" ? "" : path}/${n}`);
  };
  let status = 0;
  for (const r of roots.length ? roots : ["."]) {
    if (!ctx.fs.exists(ctx.resolve(r))) {
      status = fail(ctx, `${r}: No such file or directory`);
      continue;
    }
    walk(r, ctx.resolve(r));
  }
  return status;
};

export const FS_COMMANDS: Record<string, CommandImpl> = {
  touch,
  mkdir,
  ls,
  rm,
  cp: (ctx) => copyOrMove(ctx, false),
  mv: (ctx) => copyOrMove(ctx, true),
  chmod,
  chown: chmod,
  find,
};
