/** Tokens and words of the built-in shell: operators, redirections, quoting, `$` expansions and here-doc bodies. */

import type { Redirect, Script, Word, WordPart } from "./ast.js";

export class ShellSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellSyntaxError";
  }
}

export type Token =
  | { type: "word"; word: Word; raw: string }
  | { type: "op"; op: string }
  | { type: "redir"; fd: number | undefined; op: string }
  | { type: "newline" }
  | { type: "eof" };

const META = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);

export interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  quoted: boolean;
  strip: boolean;
}

/** Reads tokens and words; the grammar (a subclass) supplies command substitution parsing. */
export abstract class Lexer {
  pos = 0;
  readonly src: string;
  protected heredocs: PendingHeredoc[] = [];

  constructor(src: string) {
    this.src = src;
  }

  /** Parses `$( ... )` starting after `$(` and consumes the closing `)`. */
  protected abstract parseSubstitution(): Script;
  /** Parses a whole nested script (backtick substitution). */
  protected abstract parseNested(text: string): Script;
  /** A lexer over other text (arithmetic and here-doc bodies). */
  protected abstract nested(text: string): Lexer;

  // ---- tokens ------------------------------------------------------------------------------

  peek(): Token {
    const save = this.pos;
    const pending = this.heredocs.length;
    const t = this.lex(false);
    this.pos = save;
    this.heredocs.length = pending;
    return t;
  }

  next(): Token {
    return this.lex(true);
  }

  lex(consume: boolean): Token {
    this.skipBlanks();
    const s = this.src;
    if (this.pos >= s.length) return { type: "eof" };
    const c = s[this.pos] ?? "";
    if (c === "\n") {
      this.pos++;
      if (consume) this.readHeredocBodies();
      return { type: "newline" };
    }
    for (const op of ["&&", "||", ";;", ";", "&", "|", "(", ")"]) {
      if (s.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { type: "op", op };
      }
    }
    const redir = /^(\d*)(<<-|<<|<&|<>|<|>>|>&|>\||>)/.exec(s.slice(this.pos, this.pos + 8));
    if (redir) {
      this.pos += redir[0].length;
      const fd = redir[1] ? Number(redir[1]) : undefined;
      return { type: "redir", fd, op: redir[2] ?? ">" };
    }
    const start = this.pos;
    const word = this.readWord(false);
    return { type: "word", word, raw: s.slice(start, this.pos) };
  }

  skipBlanks(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === " " || c === "\t" || c === "\r") this.pos++;
      else if (c === "\\" && s[this.pos + 1] === "\n") this.pos += 2;
      else if (c === "#") {
        while (this.pos < s.length && s[this.pos] !== "\n") this.pos++;
      } else break;
    }
  }

  readHeredocBodies(): void {
    const docs = this.heredocs.splice(0);
    for (const doc of docs) {
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.src.length) break;
        let end = this.src.indexOf("\n", this.pos);
        if (end < 0) end = this.src.length;
        let line = this.src.slice(this.pos, end);
        this.pos = Math.min(end + 1, this.src.length);
        if (doc.strip) line = line.replace(/^\t+/, "");
        if (line === doc.delimiter) break;
        lines.push(line);
      }
      const text = lines.length ? `${lines.join("\n")}\n` : "";
      doc.redirect.body = doc.quoted ? [{ kind: "lit", text, quoted: true }] : this.nested(text).readDoubleQuotedBody();
    }
  }

  // ---- words -------------------------------------------------------------------------------

  /** Reads one word; with `inBrace` stops at an unquoted `}` (for `${x:-word}`). */
  readWord(inBrace: boolean): Word {
    const parts: WordPart[] = [];
    const s = this.src;
    let lit = "";
    const flush = (): void => {
      if (lit) parts.push({ kind: "lit", text: lit, quoted: false });
      lit = "";
    };
    while (this.pos < s.length) {
      const c = s[this.pos] ?? "";
      if (inBrace ? c === "}" : META.has(c)) break;
      if (c === "\\") {
        const n = s[this.pos + 1];
        this.pos += 2;
        if (n === "\n" || n === undefined) continue;
        flush();
        parts.push({ kind: "lit", text: n, quoted: true });
      } else if (c === "'") {
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
        flush();
        parts.push({ kind: "lit", text: s.slice(this.pos + 1, end), quoted: true });
        this.pos = end + 1;
      } else if (c === '"') {
        flush();
        this.pos++;
        const inner = this.readDoubleQuoted();
        parts.push(...(inner.length ? inner : [{ kind: "lit" as const, text: "", quoted: true }]));
      } else if (c === "$" || c === "`") {
        const part = this.readDollar(false);
        if (part) {
          flush();
          parts.push(part);
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  readDoubleQuoted(): WordPart[] {
    const parts = this.readDqParts('"');
    if (this.src[this.pos] !== '"') throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
    this.pos++;
    return parts;
  }

  readDoubleQuotedBody(): Word {
    return this.readDqParts(undefined);
  }

  readDqParts(end: string | undefined): WordPart[] {
    const parts: WordPart[] = [];
    const s = this.src;
    let lit = "";
    const flush = (): void => {
      if (lit) parts.push({ kind: "lit", text: lit, quoted: true });
      lit = "";
    };
    while (this.pos < s.length) {
      const c = s[this.pos] ?? "";
      if (end !== undefined && c === end) break;
      if (c === "\\") {
        const n = s[this.pos + 1] ?? "";
        if (n === "\n") this.pos += 2;
        else if ("$`\"\\".includes(n) && n !== "") {
          lit += n;
          this.pos += 2;
        } else {
          lit += c;
          this.pos++;
        }
      } else if (c === "$" || c === "`") {
        const part = this.readDollar(true);
        if (part) {
          flush();
          parts.push(part);
        } else {
          lit += c;
          this.pos++;
        }
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  /** Reads `$name`, `${...}`, `$(...)`, `$((...))` or a backtick substitution; undefined if `$` is literal. */
  readDollar(quoted: boolean): WordPart | undefined {
    const s = this.src;
    if (s[this.pos] === "`") {
      let i = this.pos + 1;
      let body = "";
      while (i < s.length && s[i] !== "`") {
        if (s[i] === "\\" && "$`\\".includes(s[i + 1] ?? "")) {
          body += s[i + 1];
          i += 2;
        } else body += s[i++];
      }
      if (i >= s.length) throw new ShellSyntaxError("unexpected EOF while looking for matching ``'");
      this.pos = i + 1;
      return { kind: "cmdsub", script: this.parseNested(body), quoted };
    }
    const n = s[this.pos + 1] ?? "";
    if (s.startsWith("$((", this.pos)) {
      let depth = 0;
      let i = this.pos + 3;
      for (; i < s.length; i++) {
        if (s[i] === "(") depth++;
        else if (s[i] === ")") {
          if (depth === 0 && s[i + 1] === ")") break;
          depth--;
        }
      }
      if (i >= s.length) throw new ShellSyntaxError("unexpected EOF while looking for matching `))'");
      const inner = this.nested(s.slice(this.pos + 3, i)).readDqParts(undefined);
      this.pos = i + 2;
      return { kind: "arith", expr: inner, quoted };
    }
    if (n === "(") {
      this.pos += 2;
      return { kind: "cmdsub", script: this.parseSubstitution(), quoted };
    }
    if (n === "{") {
      this.pos += 2;
      let name: string;
      let op: string | undefined;
      if (s[this.pos] === "#" && s[this.pos + 1] !== "}") {
        this.pos++;
        name = this.readParamName();
        op = "length";
      } else {
        name = this.readParamName();
        const m = /^(:-|:=|:\+|:\?|-|=|\+|\?|%%|%|##|#)/.exec(s.slice(this.pos, this.pos + 2));
        if (m) {
          op = m[1];
          this.pos += (m[1] ?? "").length;
        }
      }
      let arg: Word | undefined;
      if (op && op !== "length") {
        arg = quoted ? this.readDqParts("}") : this.readWord(true);
      }
      if (s[this.pos] !== "}") throw new ShellSyntaxError("bad substitution");
      this.pos++;
      const part: WordPart = { kind: "param", name, quoted };
      if (op) part.op = op;
      if (arg) part.arg = arg;
      return part;
    }
    if (/[A-Za-z_]/.test(n)) {
      this.pos++;
      return { kind: "param", name: this.readParamName(), quoted };
    }
    if (/[0-9?#@*$!-]/.test(n) && n !== "") {
      this.pos += 2;
      return { kind: "param", name: n, quoted };
    }
    return undefined;
  }

  readParamName(): string {
    const s = this.src;
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#@*$!-])/.exec(s.slice(this.pos));
    if (!m) throw new ShellSyntaxError("bad substitution");
    this.pos += (m[1] ?? "").length;
    return m[1] ?? "";
  }
}
