/** Recursive-descent parser for the built-in shell: quoting, expansions, pipelines, lists, compound commands, here-docs. */

import type { AndOr, CaseCommand, Command, ForCommand, IfCommand, Pipeline, Redirect, Script, SimpleCommand, Word } from "./ast.js";
import { Lexer, ShellSyntaxError, type Token } from "./lexer.js";

export { ShellSyntaxError } from "./lexer.js";

const RESERVED = new Set(["if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "in", "case", "esac", "{", "}", "!"]);

export function parseScript(src: string): Script {
  const p = new Parser(src);
  const script = p.parseList(new Set());
  const t = p.peek();
  if (t.type !== "eof") throw new ShellSyntaxError(`syntax error near unexpected token \`${tokenText(t)}'`);
  return script;
}

function tokenText(t: Token): string {
  switch (t.type) {
    case "word":
      return t.raw;
    case "op":
    case "redir":
      return t.op;
    case "newline":
      return "newline";
    case "eof":
      return "end of file";
  }
}

function isReserved(t: Token, name?: string): boolean {
  if (t.type !== "word") return false;
  return name ? t.raw === name && plainWord(t.word) : RESERVED.has(t.raw) && plainWord(t.word);
}

function plainWord(w: Word): boolean {
  return w.length === 1 && w[0]?.kind === "lit" && !w[0].quoted;
}

class Parser extends Lexer {
  protected override parseSubstitution(): Script {
    const script = this.parseList(new Set());
    this.expectOp(")");
    return script;
  }

  protected override parseNested(text: string): Script {
    return parseScript(text);
  }

  protected override nested(text: string): Lexer {
    return new Parser(text);
  }

  // ---- lists and commands ------------------------------------------------------------------

  /** Parses and-or lists until EOF, `)` or one of the reserved words in `stop` (not consumed). */
  parseList(stop: Set<string>): Script {
    const out: Script = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.type === "eof") break;
      if (t.type === "op" && (t.op === ")" || t.op === ";;")) break;
      if (t.type === "word" && plainWord(t.word) && stop.has(t.raw)) break;
      const andOr = this.parseAndOr();
      out.push(andOr);
      const sep = this.peek();
      if (sep.type === "op" && (sep.op === ";" || sep.op === "&")) {
        this.next();
        if (sep.op === "&") andOr.background = true;
      } else if (sep.type === "newline") {
        this.next();
      } else break;
    }
    return out;
  }

  parseAndOr(): AndOr {
    const first = this.parsePipeline();
    const rest: AndOr["rest"] = [];
    for (;;) {
      const t = this.peek();
      if (t.type === "op" && (t.op === "&&" || t.op === "||")) {
        this.next();
        this.skipNewlines();
        rest.push({ op: t.op, pipeline: this.parsePipeline() });
      } else break;
    }
    return { first, rest, background: false };
  }

  parsePipeline(): Pipeline {
    let negate = false;
    if (isReserved(this.peek(), "!")) {
      this.next();
      negate = true;
    }
    const commands = [this.parseCommand()];
    for (;;) {
      const t = this.peek();
      if (t.type === "op" && t.op === "|") {
        this.next();
        this.skipNewlines();
        commands.push(this.parseCommand());
      } else break;
    }
    return { negate, commands };
  }

  parseCommand(): Command {
    const t = this.peek();
    if (t.type === "op" && t.op === "(") {
      this.next();
      const body = this.parseList(new Set());
      this.expectOp(")");
      return { type: "subshell", body, redirects: this.parseRedirects() };
    }
    if (t.type === "word" && plainWord(t.word)) {
      switch (t.raw) {
        case "if":
          return this.parseIf();
        case "while":
        case "until":
          return this.parseLoop(t.raw);
        case "for":
          return this.parseFor();
        case "case":
          return this.parseCase();
        case "{": {
          this.next();
          const body = this.parseList(new Set(["}"]));
          this.expectWord("}");
          return { type: "group", body, redirects: this.parseRedirects() };
        }
        case "then":
        case "elif":
        case "else":
        case "fi":
        case "do":
        case "done":
        case "esac":
        case "}":
          throw new ShellSyntaxError(`syntax error near unexpected token \`${t.raw}'`);
      }
      // name() compound
      const save = this.pos;
      this.next();
      const open = this.peek();
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.raw) && open.type === "op" && open.op === "(") {
        this.next();
        this.expectOp(")");
        this.skipNewlines();
        const body = this.parseCommand();
        return { type: "function", name: t.raw, body, redirects: [] };
      }
      this.pos = save;
    }
    return this.parseSimple();
  }

  parseSimple(): SimpleCommand {
    const cmd: SimpleCommand = { type: "simple", assigns: [], words: [], redirects: [] };
    for (;;) {
      const t = this.peek();
      if (t.type === "redir") {
        cmd.redirects.push(this.parseRedirect());
        continue;
      }
      if (t.type !== "word") break;
      this.next();
      const m = cmd.words.length === 0 ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(t.raw) : null;
      const first = t.word[0];
      if (m && first?.kind === "lit" && !first.quoted && first.text.startsWith(`${m[1]}=`)) {
        const value: Word = [{ kind: "lit", text: first.text.slice((m[1] ?? "").length + 1), quoted: false }, ...t.word.slice(1)];
        cmd.assigns.push({ name: m[1] ?? "", value });
      } else cmd.words.push(t.word);
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirects.length === 0) {
      const t = this.peek();
      throw new ShellSyntaxError(`syntax error near unexpected token \`${tokenText(t)}'`);
    }
    return cmd;
  }

  parseIf(): IfCommand {
    this.expectWord("if");
    const clauses: IfCommand["clauses"] = [];
    let cond = this.parseList(new Set(["then"]));
    this.expectWord("then");
    let body = this.parseList(new Set(["elif", "else", "fi"]));
    clauses.push({ cond, body });
    let elseBody: Script | undefined;
    for (;;) {
      const t = this.next();
      if (isReserved(t, "elif")) {
        cond = this.parseList(new Set(["then"]));
        this.expectWord("then");
        body = this.parseList(new Set(["elif", "else", "fi"]));
        clauses.push({ cond, body });
      } else if (isReserved(t, "else")) {
        elseBody = this.parseList(new Set(["fi"]));
        this.expectWord("fi");
        break;
      } else if (isReserved(t, "fi")) break;
      else throw new ShellSyntaxError(`syntax error: expected \`fi'`);
    }
    const node: IfCommand = { type: "if", clauses, redirects: this.parseRedirects() };
    if (elseBody) node.elseBody = elseBody;
    return node;
  }

  parseLoop(kind: "while" | "until"): Command {
    this.expectWord(kind);
    const cond = this.parseList(new Set(["do"]));
    this.expectWord("do");
    const body = this.parseList(new Set(["done"]));
    this.expectWord("done");
    return { type: kind, cond, body, redirects: this.parseRedirects() };
  }

  parseFor(): ForCommand {
    this.expectWord("for");
    const nameTok = this.next();
    if (nameTok.type !== "word") throw new ShellSyntaxError("syntax error: bad for loop variable");
    let items: Word[] | undefined;
    let t = this.peek();
    if (t.type === "op" && t.op === ";") {
      this.next();
    }
    this.skipNewlines();
    t = this.peek();
    if (isReserved(t, "in")) {
      this.next();
      items = [];
      for (;;) {
        const w = this.peek();
        if (w.type !== "word") break;
        this.next();
        items.push(w.word);
      }
      const sep = this.peek();
      if ((sep.type === "op" && sep.op === ";") || sep.type === "newline") this.next();
    }
    this.skipNewlines();
    this.expectWord("do");
    const body = this.parseList(new Set(["done"]));
    this.expectWord("done");
    const node: ForCommand = { type: "for", name: nameTok.raw, body, redirects: this.parseRedirects() };
    if (items) node.items = items;
    return node;
  }

  parseCase(): CaseCommand {
    this.expectWord("case");
    const subj = this.next();
    if (subj.type !== "word") throw new ShellSyntaxError("syntax error: bad case subject");
    this.skipNewlines();
    this.expectWord("in");
    const items: CaseCommand["items"] = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (isReserved(t, "esac")) {
        this.next();
        break;
      }
      if (t.type === "op" && t.op === "(") this.next();
      const patterns: Word[] = [];
      for (;;) {
        const w = this.next();
        if (w.type !== "word") throw new ShellSyntaxError("syntax error in case pattern");
        patterns.push(w.word);
        const sep = this.next();
        if (sep.type === "op" && sep.op === "|") continue;
        if (sep.type === "op" && sep.op === ")") break;
        throw new ShellSyntaxError("syntax error in case pattern");
      }
      const body = this.parseList(new Set(["esac"]));
      items.push({ patterns, body });
      const end = this.peek();
      if (end.type === "op" && end.op === ";;") this.next();
    }
    return { type: "case", subject: subj.word, items, redirects: this.parseRedirects() };
  }

  parseRedirects(): Redirect[] {
    const out: Redirect[] = [];
    while (this.peek().type === "redir") out.push(this.parseRedirect());
    return out;
  }

  parseRedirect(): Redirect {
    const t = this.next();
    if (t.type !== "redir") throw new ShellSyntaxError("expected redirection");
    const target = this.next();
    if (target.type !== "word") throw new ShellSyntaxError(`syntax error near unexpected token \`${tokenText(target)}'`);
    const op = t.op === "<<-" ? "<<" : t.op === ">|" ? ">" : t.op;
    const defaultFd = op.startsWith("<") ? 0 : 1;
    const redirect: Redirect = { fd: t.fd ?? defaultFd, op: op as Redirect["op"], target: target.word };
    if (op === "<<") {
      const quoted = target.word.some((p) => p.kind === "lit" && p.quoted);
      const delimiter = target.word.map((p) => (p.kind === "lit" ? p.text : "")).join("");
      this.heredocs.push({ redirect, delimiter, quoted, strip: t.op === "<<-" });
    }
    return redirect;
  }

  expectWord(name: string): void {
    const t = this.next();
    if (!isReserved(t, name)) throw new ShellSyntaxError(`syntax error near unexpected token \`${tokenText(t)}' (expected \`${name}')`);
  }

  expectOp(op: string): void {
    const t = this.next();
    if (t.type !== "op" || t.op !== op) throw new ShellSyntaxError(`syntax error near unexpected token \`${tokenText(t)}' (expected \`${op}')`);
  }

  skipNewlines(): void {
    while (this.peek().type === "newline") this.next();
  }
}
