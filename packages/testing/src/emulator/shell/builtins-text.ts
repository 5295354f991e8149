/** Text builtins: echo, printf, cat, head, tail, wc, grep, tee, sort. */

import { fail, type CommandContext, type CommandImpl } from "./context.js";
import { concatBytes, toText } from "./io.js";

function unescape(text: string, stopAtC = false): { text: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = text[++i];
    switch (n) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "\\":
        out += "\\";
        break;
      case "a":
        out += "\x07";
        break;
      case "b":
        out += "\b";
        break;
      case "e":
        out += "\x1b";
        break;
      case "c":
        if (stopAtC) return { text: out, stop: true };
        out += "\\c";
        break;
      case "0": {
        const m = /^[0-7]{0,3}/.exec(text.slice(i + 1))?.[0] ?? "";
        out += String.fromCharCode(Number.parseInt(m || "0", 8));
        i += m.length;
        break;
      }
      case undefined:
        out += "\\";
        break;
      default:
        out += `\\${n}`;
    }
  }
  return { text: out, stop: false };
}

const echo: CommandImpl = (ctx) => {
  let newline = true;
  let escapes = false;
  let args = ctx.args;
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes("n")) newline = false;
    if (args[0].includes("e")) escapes = true;
    args = args.slice(1);
  }
  let text = args.join(" ");
  if (escapes) {
    const r = unescape(text, true);
    text = r.text;
    if (r.stop) newline = false;
  }
  ctx.stdout.write(newline ? `${text}\n` : text);
  return 0;
};

const printf: CommandImpl = (ctx) => {
  const [format, ...args] = ctx.args;
  if (format === undefined) return fail(ctx, "usage: printf FORMAT [ARGUMENT]...");
  let out = "";
  let i = 0;
  do {
    let consumed = false;
    out += format.replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdibcxXo%])|\\(?:[0-7]{1,3}|.)/g, (m, flags: string, width: string, prec: string | undefined, conv: string | undefined) => {
      if (m.startsWith("\\")) return unescape(m).text;
      if (conv === "%") return "%";
      consumed = true;
      const arg = args[i++] ?? "";
      let s: string;
      switch (conv) {
        case "d":
        case "i":
          s = String(Number.parseInt(arg, 10) || 0);
          break;
        case "x":
          s = (Number.parseInt(arg, 10) || 0).toString(16);
          break;
        case "X":
          s = (Number.parseInt(arg, 10) || 0).toString(16).toUpperCase();
          break;
        case "o":
          s = (Number.parseInt(arg, 10) || 0).toString(8);
          break;
        case "c":
          s = arg.slice(0, 1);
          break;
        case "b":
          s = unescape(arg).text;
          break;
        default:
          s = prec !== undefined ? arg.slice(0, Number(prec)) : arg;
      }
      const w = Number(width || 0);
      if (s.length < w) {
        if (flags.includes("-")) s = s.padEnd(w);
        else s = flags.includes("0") && conv !== "s" ? s.padStart(w, "0") : s.padStart(w);
      }
      return s;
    });
    if (!consumed) break;
  } while (i < args.length);
  ctx.stdout.write(out);
  return 0;
};

async function readInputs(ctx: CommandContext, files: string[], onData: (data: Uint8Array, name: string) => void): Promise<number> {
  let status = 0;
  for (const f of files.length ? files : ["-"]) {
    if (f === "-") {
      for await (const chunk of ctx.stdin.chunks()) onData(chunk, f);
      continue;
    }
    const p = ctx.resolve(f);
    const st = ctx.fs.stat(p);
    if (!st) {
      ctx.stderr.write(`${ctx.name}: can't open '${f}': No such file or directory\n`);
      status = 1;
    } else if (st.type === "dir") {
      ctx.stderr.write(`${ctx.name}: read error: Is a directory\n`);
      status = 1;
    } else onData(ctx.fs.readFile(p), f);
  }
  return status;
}

async function readAllText(ctx: CommandContext, files: string[]): Promise<{ text: string; status: number }> {
  const chunks: Uint8Array[] = [];
  const status = await readInputs(ctx, files, (d) => chunks.push(d));
  return { text: toText(concatBytes(chunks)), status };
}

const cat: CommandImpl = (ctx) => readInputs(ctx, ctx.args.filter((a) => !/^-[uv]$/.test(a)), (d) => ctx.stdout.write(d));

function lineCount(ctx: CommandContext, fallback: number): { n: number; files: string[]; bytes?: number; fromStart?: boolean } {
  let n = fallback;
  let bytes: number | undefined;
  let fromStart = false;
  const files: string[] = [];
  const args = ctx.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    let v: string | undefined;
    if (a === "-n" || a === "-c") v = args[++i];
    else if (/^-[nc]./.test(a)) v = a.slice(2);
    else if (/^-\d+$/.test(a)) v = a.slice(1);
    else if (a !== "-f" && a !== "-F" && a !== "-q") {
      files.push(a);
      continue;
    } else continue;
    const val = v ?? "10";
    if (val.startsWith("+")) fromStart = true;
    const num = Math.abs(Number.parseInt(val, 10) || 0);
    if (a.startsWith("-c")) bytes = num;
    else n = num;
  }
  const out: { n: number; files: string[]; bytes?: number; fromStart?: boolean } = { n, files, fromStart };
  if (bytes !== undefined) out.bytes = bytes;
  return out;
}

const head: CommandImpl = async (ctx) => {
  const opts = lineCount(ctx, 10);
  const chunks: Uint8Array[] = [];
  const status = await readInputs(ctx, opts.files, (d) => chunks.push(d));
  const data = concatBytes(chunks);
  if (opts.bytes !== undefined) ctx.stdout.write(data.subarray(0, opts.bytes));
  else {
    const lines = toText(data).split(/(?<=\n)/);
    ctx.stdout.write(lines.slice(0, opts.n).join(""));
  }
  return status;
};

const tail: CommandImpl = async (ctx) => {
  const opts = lineCount(ctx, 10);
  const chunks: Uint8Array[] = [];
  const status = await readInputs(ctx, opts.files, (d) => chunks.push(d));
  const data = concatBytes(chunks);
  if (opts.bytes !== undefined) {
    ctx.stdout.write(opts.fromStart ? data.subarray(Math.max(0, opts.bytes - 1)) : data.subarray(Math.max(0, data.length - opts.bytes)));
  } else {
    const lines = toText(data).split(/(?<=\n)/).filter((l) => l !== "");
    ctx.stdout.write((opts.fromStart ? lines.slice(Math.max(0, opts.n - 1)) : lines.slice(Math.max(0, lines.length - opts.n))).join(""));
  }
  return status;
};

const wc: CommandImpl = async (ctx) => {
  const flags = ctx.args.filter((a) => a.startsWith("-")).join("");
  const files = ctx.args.filter((a) => !a.startsWith("-"));
  const chunks: Uint8Array[] = [];
  const status = await readInputs(ctx, files, (d) => chunks.push(d));
  const data = concatBytes(chunks);
  const text = toText(data);
  const counts: number[] = [];
  const all = flags === "";
  if (all || flags.includes("l")) counts.push((text.match(/\n/g) ?? []).length);
  if (all || flags.includes("w")) counts.push(text.split(/\s+/).filter(Boolean).length);
  if (all || flags.includes("c")) counts.push(data.length);
  ctx.stdout.write(`${counts.join(" ")}${files.length === 1 ? ` ${files[0]}` : ""}\n`);
  return status;
};

const grep: CommandImpl = async (ctx) => {
  let quiet = false;
  let invert = false;
  let count = false;
  let ignoreCase = false;
  let fixed = false;
  let pattern: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < ctx.args.length; i++) {
    const a = ctx.args[i] ?? "";
    if (a === "-e") pattern = ctx.args[++i];
    else if (/^-[qvciEFs]+$/.test(a)) {
      quiet ||= a.includes("q");
      invert ||= a.includes("v");
      count ||= a.includes("c");
      ignoreCase ||= a.includes("i");
      fixed ||= a.includes("F");
    } else if (pattern === undefined) pattern = a;
    else files.push(a);
  }
  if (pattern === undefined) return fail(ctx, "usage: grep PATTERN [FILE]...", 2);
  const re = new RegExp(fixed ? pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : pattern.replace(/\\([(){}|+?])/g, "$1"), ignoreCase ? "i" : "");
  const { text, status } = await readAllText(ctx, files);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const matched = lines.filter((l) => re.test(l) !== invert);
  if (count) ctx.stdout.write(`${matched.length}\n`);
  else if (!quiet) for (const l of matched) ctx.stdout.write(`${l}\n`);
  if (status !== 0 && matched.length === 0) return 2;
  return matched.length > 0 ? 0 : 1;
};

const tee: CommandImpl = async (ctx) => {
  const append = ctx.args.includes("-a");
  const files = ctx.args.filter((a) => !a.startsWith("-")).map((f) => ctx.resolve(f));
  for (const f of files) if (!append || !ctx.fs.exists(f)) ctx.fs.writeFile(f, "");
  for await (const chunk of ctx.stdin.chunks()) {
    ctx.stdout.write(chunk);
    for (const f of files) ctx.fs.writeFile(f, chunk, { append: true });
  }
  return 0;
};

const sort: CommandImpl = async (ctx) => {
  const reverse = ctx.args.some((a) => /^-[a-z]*r/.test(a));
  const numeric = ctx.args.some((a) => /^-[a-z]*n/.test(a));
  const unique = ctx.args.some((a) => /^-[a-z]*u/.test(a));
  const { text, status } = await readAllText(ctx, ctx.args.filter((a) => !a.startsWith("-")));
  let lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  lines.sort(numeric ? (a, b) => Number.parseFloat(a) - Number.parseFloat(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (reverse) lines.reverse();
  if (unique) lines = lines.filter((l, i) => i === 0 || l !== lines[i - 1]);
  ctx.stdout.write(lines.map((l) => `${l}\n`).join(""));
  return status;
};

/** Expands tr sets: ranges (a-z) and the escapes \n \t \\. */
function trSet(spec: string): string[] {
  const chars: string[] = [];
  const text = spec.replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\\\/g, "\\");
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    const end = text[i + 2];
    if (text[i + 1] === "-" && end !== undefined) {
      for (let code = c.charCodeAt(0); code <= end.charCodeAt(0); code++) chars.push(String.fromCharCode(code));
      i += 2;
    } else chars.push(c);
  }
  return chars;
}

const tr: CommandImpl = async (ctx) => {
  const del = ctx.args[0] === "-d";
  const sets = ctx.args.filter((a) => !/^-[ds]$/.test(a));
  const from = trSet(sets[0] ?? "");
  const to = trSet(sets[1] ?? "");
  const text = toText(await ctx.stdin.readAll());
  let out = "";
  for (const ch of text) {
    const i = from.indexOf(ch);
    if (i < 0) out += ch;
    else if (!del) out += to[Math.min(i, to.length - 1)] ?? "";
  }
  ctx.stdout.write(out);
  return 0;
};

const cut: CommandImpl = async (ctx) => {
  let delim = "\t";
  let fields: number[] = [];
  const files: string[] = [];
  for (let i = 0; i < ctx.args.length; i++) {
    const a = ctx.args[i] ?? "";
    const value = (flag: string): string => (a === flag ? (ctx.args[++i] ?? "") : a.slice(2));
    if (a.startsWith("-d")) delim = value("-d");
    else if (a.startsWith("-f")) {
      fields = value("-f").split(",").flatMap((r) => {
        const [lo, hi] = r.split("-").map((n) => Number(n));
        if (hi === undefined) return [lo ?? 0];
        return Array.from({ length: (hi || 999) - (lo || 1) + 1 }, (_, k) => (lo || 1) + k);
      });
    } else files.push(a);
  }
  const { text, status } = await readAllText(ctx, files);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    const parts = line.split(delim);
    ctx.stdout.write(`${parts.length === 1 ? line : fields.map((f) => parts[f - 1]).filter((p) => p !== undefined).join(delim)}\n`);
  }
  return status;
};

const base64: CommandImpl = async (ctx) => {
  const decode = ctx.args.includes("-d") || ctx.args.includes("--decode");
  const files = ctx.args.filter((a) => !a.startsWith("-"));
  const chunks: Uint8Array[] = [];
  const status = await readInputs(ctx, files, (d) => chunks.push(d));
  const data = Buffer.from(concatBytes(chunks));
  if (decode) ctx.stdout.write(new Uint8Array(Buffer.from(data.toString("latin1").replace(/\s+/g, ""), "base64")));
  else ctx.stdout.write(`${(data.toString("base64").match(/.{1,76}/g) ?? [""]).join("\n")}\n`);
  return status;
};

const xargs: CommandImpl = async (ctx) => {
  const words = toText(await ctx.stdin.readAll()).split(/\s+/).filter(Boolean);
  const cmd = ctx.args.length ? ctx.args : ["echo"];
  return words.length || cmd[0] === "echo" ? ctx.run([...cmd, ...words]) : 0;
};

export const TEXT_COMMANDS: Record<string, CommandImpl> = {
  echo,
  printf,
  cat,
  head,
  tail,
  wc,
  grep,
  tee,
  sort,
  tr,
  cut,
  base64,
  xargs,
};
