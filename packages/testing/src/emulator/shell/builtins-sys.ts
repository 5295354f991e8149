/** Process and system builtins: test/[, sleep, env, printenv, date, seq, true/false, hostname, uname, basename, ... */

import { fail, type CommandContext, type CommandImpl } from "./context.js";
import { toBytes } from "./io.js";
import { basename, dirname } from "./paths.js";

function testExpr(ctx: CommandContext, args: string[]): boolean {
  const fs = ctx.fs;
  const unary = (op: string, v: string): boolean => {
    const st = fs.stat(ctx.resolve(v));
    switch (op) {
      case "-e":
      case "-r":
      case "-w":
        return st !== undefined;
      case "-x":
        return st !== undefined && (st.type === "dir" || (st.mode & 0o111) !== 0);
      case "-f":
        return st?.type === "file";
      case "-d":
        return st?.type === "dir";
      case "-s":
        return st !== undefined && st.size > 0;
      case "-n":
        return v !== "";
      case "-z":
        return v === "";
      case "-L":
      case "-h":
        return false;
      default:
        throw new Error(`${op}: unknown operand`);
    }
  };
  const binary = (a: string, op: string, b: string): boolean => {
    const n = (x: string): number => {
      if (!/^\s*-?\d+\s*$/.test(x)) throw new Error(`${x}: bad number`);
      return Number.parseInt(x, 10);
    };
    switch (op) {
      case "=":
      case "==":
        return a === b;
      case "!=":
        return a !== b;
      case "-eq":
        return n(a) === n(b);
      case "-ne":
        return n(a) !== n(b);
      case "-lt":
        return n(a) < n(b);
      case "-le":
        return n(a) <= n(b);
      case "-gt":
        return n(a) > n(b);
      case "-ge":
        return n(a) >= n(b);
      default:
        throw new Error(`${op}: unknown operand`);
    }
  };
  const single = (xs: string[]): boolean => {
    if (xs[0] === "!") return !single(xs.slice(1));
    if (xs[0] === "(" && xs[xs.length - 1] === ")") return single(xs.slice(1, -1));
    switch (xs.length) {
      case 0:
        return false;
      case 1:
        return (xs[0] ?? "") !== "";
      case 2:
        return unary(xs[0] ?? "", xs[1] ?? "");
      case 3:
        return binary(xs[0] ?? "", xs[1] ?? "", xs[2] ?? "");
      default:
        throw new Error("too many arguments");
    }
  };
  const o = args.lastIndexOf("-o");
  if (o > 0) return testExpr(ctx, args.slice(0, o)) || testExpr(ctx, args.slice(o + 1));
  const a = args.lastIndexOf("-a");
  if (a > 0) return testExpr(ctx, args.slice(0, a)) && testExpr(ctx, args.slice(a + 1));
  return single(args);
}

const test: CommandImpl = (ctx) => {
  let args = ctx.args;
  if (ctx.name === "[") {
    if (args[args.length - 1] !== "]") return fail(ctx, "missing ]", 2);
    args = args.slice(0, -1);
  }
  try {
    return testExpr(ctx, args) ? 0 : 1;
  } catch (err) {
    return fail(ctx, err instanceof Error ? err.message : String(err), 2);
  }
};

function parseDuration(arg: string): number | undefined {
  if (arg === "inf" || arg === "infinity") return Infinity;
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  const mult = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * mult;
}

const sleep: CommandImpl = async (ctx) => {
  let total = 0;
  for (const a of ctx.args) {
    const d = parseDuration(a);
    if (d === undefined) return fail(ctx, `invalid number '${a}'`);
    total += d;
  }
  if (ctx.args.length === 0) return fail(ctx, "missing operand");
  if (total === Infinity) {
    await new Promise<void>((_, reject) => {
      const onAbort = (): void => {
        const e = new Error("terminated");
        e.name = "AbortError";
        reject(e);
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
  await ctx.sleep(total);
  return 0;
};

const env: CommandImpl = async (ctx) => {
  const vars = { ...ctx.env };
  let i = 0;
  for (; i < ctx.args.length; i++) {
    const a = ctx.args[i] ?? "";
    if (a === "-i") {
      for (const k of Object.keys(vars)) delete vars[k];
      continue;
    }
    const eq = a.indexOf("=");
    if (eq <= 0) break;
    vars[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const rest = ctx.args.slice(i);
  if (rest.length === 0) {
    for (const [k, v] of Object.entries(vars)) ctx.stdout.write(`${k}=${v}\n`);
    return 0;
  }
  return ctx.run(rest);
};

const printenv: CommandImpl = (ctx) => {
  if (ctx.args.length === 0) {
    for (const [k, v] of Object.entries(ctx.env)) ctx.stdout.write(`${k}=${v}\n`);
    return 0;
  }
  let status = 0;
  for (const a of ctx.args) {
    const v = ctx.env[a];
    if (v === undefined) status = 1;
    else ctx.stdout.write(`${v}\n`);
  }
  return status;
};

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

const date: CommandImpl = (ctx) => {
  const d = new Date(ctx.now());
  const fmt = ctx.args.find((a) => a.startsWith("+"));
  if (!fmt) {
    ctx.stdout.write(`${d.toUTCString().replace("GMT", "UTC")}\n`);
    return 0;
  }
  const out = fmt.slice(1).replace(/%([a-zA-Z%])/g, (_, c: string) => {
    switch (c) {
      case "Y":
        return String(d.getUTCFullYear());
      case "m":
        return pad(d.getUTCMonth() + 1);
      case "d":
        return pad(d.getUTCDate());
      case "H":
        return pad(d.getUTCHours());
      case "M":
        return pad(d.getUTCMinutes());
      case "S":
        return pad(d.getUTCSeconds());
      case "s":
        return String(Math.floor(d.getTime() / 1000));
      case "N":
        return pad(d.getUTCMilliseconds() * 1_000_000, 9);
      case "F":
        return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      case "T":
        return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      case "Z":
        return "UTC";
      case "z":
        return "+0000";
      case "%":
        return "%";
      default:
        return `%${c}`;
    }
  });
  ctx.stdout.write(`${out}\n`);
  return 0;
};

const seq: CommandImpl = (ctx) => {
  const nums = ctx.args.map((a) => Number(a));
  const [first, step, last] = nums.length === 1 ? [1, 1, nums[0] ?? 0] : nums.length === 2 ? [nums[0] ?? 1, 1, nums[1] ?? 0] : [nums[0] ?? 1, nums[1] ?? 1, nums[2] ?? 0];
  if (step === 0) return fail(ctx, "invalid increment");
  for (let i = first; step > 0 ? i <= last : i >= last; i += step) ctx.stdout.write(`${i}\n`);
  return 0;
};

const simple = (out: (ctx: CommandContext) => string): CommandImpl => (ctx) => {
  ctx.stdout.write(out(ctx));
  return 0;
};

export const SYS_COMMANDS: Record<string, CommandImpl> = {
  test,
  "[": test,
  sleep,
  env,
  printenv,
  date,
  seq,
  true: () => 0,
  false: () => 1,
  kill: () => 0,
  sync: () => 0,
  pwd: simple((ctx) => `${ctx.cwd}\n`),
  hostname: simple((ctx) => `${ctx.hostname}\n`),
  whoami: simple(() => "root\n"),
  id: simple(() => "uid=0(root) gid=0(root) groups=0(root)\n"),
  uname: simple((ctx) => (ctx.args.includes("-a") ? `Linux ${ctx.hostname} 6.1.0 #1 SMP x86_64 GNU/Linux\n` : ctx.args.includes("-m") ? "x86_64\n" : "Linux\n")),
  nproc: simple(() => "8\n"),
  basename: simple((ctx) => {
    let b = basename(ctx.args[0] ?? "");
    const suffix = ctx.args[1];
    if (suffix && b.endsWith(suffix) && b !== suffix) b = b.slice(0, -suffix.length);
    return `${b}\n`;
  }),
  dirname: simple((ctx) => `${dirname(ctx.args[0] ?? ".")}\n`),
  yes: async (ctx) => {
    const line = toBytes(`${ctx.args.join(" ") || "y"}\n`);
    for (let i = 0; i < 10_000 && !ctx.signal.aborted; i++) ctx.stdout.write(line);
    return 0;
  },
};
