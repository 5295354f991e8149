/** Syntax tree of the built-in POSIX-like shell. */

export type WordPart =
  | { kind: "lit"; text: string; quoted: boolean }
  | { kind: "param"; name: string; op?: string; arg?: Word; quoted: boolean }
  | { kind: "cmdsub"; script: Script; quoted: boolean }
  | { kind: "arith"; expr: Word; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  op: ">" | ">>" | "<" | ">&" | "<&" | "<<" | "<>";
  target: Word;
  /** Here-document body (op "<<"). */
  body?: Word;
}

export interface SimpleCommand {
  type: "simple";
  assigns: { name: string; value: Word }[];
  words: Word[];
  redirects: Redirect[];
}

export interface IfCommand {
  type: "if";
  clauses: { cond: Script; body: Script }[];
  elseBody?: Script;
  redirects: Redirect[];
}

export interface LoopCommand {
  type: "while" | "until";
  cond: Script;
  body: Script;
  redirects: Redirect[];
}

export interface ForCommand {
  type: "for";
  name: string;
  items?: Word[];
  body: Script;
  redirects: Redirect[];
}

export interface CaseCommand {
  type: "case";
  subject: Word;
  items: { patterns: Word[]; body: Script }[];
  redirects: Redirect[];
}

export interface GroupCommand {
  type: "group" | "subshell";
  body: Script;
  redirects: Redirect[];
}

export interface FunctionDef {
  type: "function";
  name: string;
  body: Command;
  redirects: Redirect[];
}

export type Command = SimpleCommand | IfCommand | LoopCommand | ForCommand | CaseCommand | GroupCommand | FunctionDef;

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: "&&" | "||"; pipeline: Pipeline }[];
  background: boolean;
}

export type Script = AndOr[];
