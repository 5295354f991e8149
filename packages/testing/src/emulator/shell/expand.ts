/** Word expansion: parameters (with ${x:-y} forms), command substitution, arithmetic, field splitting, globbing. */

import type { Script, Word, WordPart } from "./ast.js";
import type { ContainerFs } from "../kubelet/types.js";
import { globToRegExp, hasGlob, resolvePath } from "./paths.js";
import { evalArith } from "./arith.js";

export interface ExpandEnv {
  getVar(name: string): string | undefined;
  setVar(name: string, value: string): void;
  positional(): string[];
  special(name: string): string | undefined;
  substitute(script: Script): Promise<string>;
  fs: ContainerFs;
  cwd: string;
}

/** Raised by `${x:?msg}`: the shell prints it and exits 1 (2 for syntax-level errors). */
export class ExpansionError extends Error {}

interface Seg {
  text: string;
  quoted: boolean;
}

interface Field {
  segs: Seg[];
  /** A quoted part was seen, so an empty field survives. */
  keep: boolean;
}

const IFS = /[ \t\n]+/;

/** Expands to fields (split and globbed). */
export async function expandFields(word: Word, env: ExpandEnv): Promise<string[]> {
  const fields: Field[] = [{ segs: [], keep: false }];
  const cur = (): Field => fields[fields.length - 1] as Field;
  for (const part of word) {
    if (part.kind === "lit") {
      cur().segs.push({ text: part.text, quoted: part.quoted });
      if (part.quoted) cur().keep = true;
      continue;
    }
    if (part.kind === "param" && (part.name === "@" || part.name === "*") && !part.op) {
      const params = env.positional();
      if (part.quoted && part.name === "@") {
        cur().keep = params.length > 0 || cur().keep;
        params.forEach((p, i) => {
          if (i > 0) fields.push({ segs: [], keep: true });
          cur().segs.push({ text: p, quoted: true });
          cur().keep = true;
        });
        continue;
      }
      const joined = params.join(" ");
      if (part.quoted) {
        cur().segs.push({ text: joined, quoted: true });
        cur().keep = true;
      } else splitInto(fields, joined);
      continue;
    }
    const value = await expandPart(part, env);
    if (part.quoted) {
      cur().segs.push({ text: value, quoted: true });
      cur().keep = true;
    } else splitInto(fields, value);
  }
  const out: string[] = [];
  for (const f of fields) {
    if (f.segs.length === 0 && !f.keep) continue;
    const text = f.segs.map((s) => s.text).join("");
    if (text === "" && !f.keep) continue;
    const escaped: boolean[] = [];
    for (const s of f.segs) for (let i = 0; i < s.text.length; i++) escaped.push(s.quoted);
    if (hasGlob(text, escaped)) {
      const matches = glob(text, escaped, env);
      if (matches.length) {
        out.push(...matches);
        continue;
      }
    }
    out.push(text);
  }
  return out;
}

function splitInto(fields: Field[], value: string): void {
  if (value === "") return;
  const pieces = value.split(IFS);
  pieces.forEach((piece, i) => {
    if (i > 0) fields.push({ segs: [], keep: false });
    if (piece !== "") (fields[fields.length - 1] as Field).segs.push({ text: piece, quoted: false });
  });
}

/** Expands without splitting or globbing (assignments, redirection targets, case subjects, here-docs). */
export async function expandString(word: Word, env: ExpandEnv): Promise<string> {
  let out = "";
  for (const part of word) {
    if (part.kind === "lit") out += part.text;
    else if (part.kind === "param" && (part.name === "@" || part.name === "*") && !part.op) out += env.positional().join(" ");
    else out += await expandPart(part, env);
  }
  return out;
}

/** Expands a case pattern / parameter-op pattern to a glob with quoted characters escaped. */
export async function expandPattern(word: Word, env: ExpandEnv): Promise<{ text: string; escaped: boolean[] }> {
  let text = "";
  const escaped: boolean[] = [];
  for (const part of word) {
    const value = part.kind === "lit" ? part.text : await expandPart(part, env);
    const quoted = part.kind === "lit" ? part.quoted : part.quoted;
    text += value;
    for (let i = 0; i < value.length; i++) escaped.push(quoted);
  }
  return { text, escaped };
}

async function expandPart(part: WordPart, env: ExpandEnv): Promise<string> {
  switch (part.kind) {
    case "lit":
      return part.text;
    case "cmdsub":
      return (await env.substitute(part.script)).replace(/\n+$/, "");
    case "arith":
      return String(evalArith(await expandString(part.expr, env), (n) => env.getVar(n)));
    case "param":
      return expandParam(part, env);
  }
}

async function expandParam(part: Extract<WordPart, { kind: "param" }>, env: ExpandEnv): Promise<string> {
  const value = lookup(part.name, env);
  const op = part.op;
  if (!op) return value ?? "";
  if (op === "length") return String((value ?? "").length);
  const arg = async (): Promise<string> => (part.arg ? expandString(part.arg, env) : "");
  const unsetOrEmpty = value === undefined || (op.startsWith(":") && value === "");
  switch (op) {
    case ":-":
    case "-":
      return unsetOrEmpty ? arg() : (value ?? "");
    case ":=":
    case "=": {
      if (!unsetOrEmpty) return value ?? "";
      const v = await arg();
      env.setVar(part.name, v);
      return v;
    }
    case ":+":
    case "+":
      return unsetOrEmpty ? "" : arg();
    case ":?":
    case "?": {
      if (!unsetOrEmpty) return value ?? "";
      const msg = await arg();
      throw new ExpansionError(`${part.name}: ${msg || "parameter not set"}`);
    }
    case "#":
    case "##":
    case "%":
    case "%%": {
      const v = value ?? "";
      const pat = part.arg ? await expandPattern(part.arg, env) : { text: "", escaped: [] };
      const re = globToRegExp(pat.text, pat.escaped);
      const longest = op.length === 2;
      if (op.startsWith("#")) {
        const order = [...Array(v.length + 1).keys()];
        for (const i of longest ? order.reverse() : order) if (re.test(v.slice(0, i))) return v.slice(i);
      } else {
        const order = [...Array(v.length + 1).keys()].reverse();
        for (const i of longest ? order.reverse() : order) if (re.test(v.slice(i))) return v.slice(0, i);
      }
      return v;
    }
  }
  return value ?? "";
}

function lookup(name: string, env: ExpandEnv): string | undefined {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    if (n === 0) return env.special("0");
    return env.positional()[n - 1];
  }
  if (name === "#") return String(env.positional().length);
  if (name === "@" || name === "*") return env.positional().join(" ");
  const special = env.special(name);
  if (special !== undefined) return special;
  return env.getVar(name);
}

/** Globs path segments against the filesystem; returns sorted matches (empty when none). */
function glob(pattern: string, escaped: boolean[], env: ExpandEnv): string[] {
  const absolute = pattern.startsWith("/");
  const segs: { text: string; esc: boolean[] }[] = [];
  let start = 0;
  for (let i = 0; i <= pattern.length; i++) {
    if (i === pattern.length || pattern[i] === "/") {
      if (i > start) segs.push({ text: pattern.slice(start, i), esc: escaped.slice(start, i) });
      start = i + 1;
    }
  }
  let candidates = [absolute ? "/" : ""];
  for (const seg of segs) {
    const next: string[] = [];
    for (const base of candidates) {
      const dir = resolvePath(env.cwd, base || ".");
      if (!hasGlob(seg.text, seg.esc)) {
        const p = base === "" ? seg.text : base === "/" ? `/${seg.text}` : `${base}/${seg.text}`;
        if (env.fs.exists(resolvePath(env.cwd, p))) next.push(p);
        continue;
      }
      const st = env.fs.stat(dir);
      if (st?.type !== "dir") continue;
      const re = globToRegExp(seg.text, seg.esc);
      for (const name of env.fs.readdir(dir)) {
        if (name.startsWith(".") && !seg.text.startsWith(".")) continue;
        if (re.test(name)) next.push(base === "" ? name : base === "/" ? `/${name}` : `${base}/${name}`);
      }
    }
    candidates = next;
  }
  return candidates.filter((c) => c !== "" && c !== "/").sort();
}
