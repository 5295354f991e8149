/**
 * Plans for continuing a recorded execution with its flow definition at hand: which interrupted
 * steps may not simply run again (resume), and which recorded outputs a restart from a chosen step
 * keeps.
 */
import type { CompiledFlow, CompiledNode, CompiledScope } from "../graph/compile.js";
import type { ResumeState } from "../engine/resume.js";
import { resumeStateFromEvents } from "../engine/resume.js";
import type { ExecutionEvent } from "../engine/events.js";
import { CapstanError } from "../errors.js";

interface Level {
  readonly scope: CompiledScope;
  readonly cn: CompiledNode;
  /** Path prefix of the scope (`""`, `rollout[2].`, `gate.then.`). */
  readonly prefix: string;
}

/** The nodes from the outermost scope down to the node at `path`; undefined if the flow has no such node. */
export function nodeChain(compiled: CompiledFlow, path: string): Level[] | undefined {
  const segs = path.split(".");
  let scope: CompiledScope | undefined = compiled.main;
  let i = 0;
  if (!compiled.main.ids.has(parseSeg(segs[0]!).id)) {
    if (segs[0] === "errors" && compiled.errors) (scope = compiled.errors), (i = 1);
    else if (segs[0] === "finally" && compiled.finally) (scope = compiled.finally), (i = 1);
  }
  const chain: Level[] = [];
  while (scope && i < segs.length) {
    const prefix = i === 0 ? "" : `${segs.slice(0, i).join(".")}.`;
    const { id, index } = parseSeg(segs[i]!);
    const cn: CompiledNode | undefined = scope.nodes.find((n) => n.node.id === id);
    if (!cn) return undefined;
    chain.push({ scope, cn, prefix });
    i++;
    if (i === segs.length) return index === undefined ? chain : undefined;
    if (cn.node.kind === "forEach") {
      if (index === undefined) return undefined;
      if (segs[i] === "errors" && cn.scopes.errors && !cn.scopes.body!.ids.has("errors")) (scope = cn.scopes.errors), i++;
      else scope = cn.scopes.body;
    } else if (cn.node.kind === "if" || cn.node.kind === "parallel") {
      scope = cn.scopes[segs[i]!];
      i++;
    } else return undefined;
  }
  return undefined;
}

function parseSeg(seg: string): { id: string; index?: number } {
  const m = /^(.*)\[(\d+)\]$/.exec(seg);
  return m ? { id: m[1]!, index: Number(m[2]) } : { id: seg };
}

export interface ResumePlan {
  readonly state: ResumeState;
  /** Interrupted steps declared `idempotent: false` that the user has not confirmed (`--rerun`). */
  readonly blocked: readonly string[];
}

/**
 * The resume state for a recorded execution. `rerun` names paths (`each[2].charge`) or step ids
 * (`charge`, every interrupted step with that id) the user confirmed may run again.
 */
export function resumePlan(compiled: CompiledFlow, events: Iterable<ExecutionEvent>, rerun: readonly string[] = []): ResumePlan {
  const base = resumeStateFromEvents(events);
  const interrupted = Object.keys(base.interrupted ?? {});
  const confirmed = interrupted.filter((p) => rerun.includes(p) || rerun.includes(lastId(p)));
  const blocked = interrupted.filter((p) => {
    const node = nodeChain(compiled, p)?.at(-1)?.cn.node;
    return node?.kind === "step" && node.options.idempotent === false && !confirmed.includes(p);
  });
  return { state: { ...base, rerun: confirmed }, blocked };
}

/**
 * The resume state that re-runs `from` (a step id or path) and everything downstream of it,
 * reusing every other recorded output; `errors` and `finally` handlers run again.
 */
export function restartPlan(compiled: CompiledFlow, events: Iterable<ExecutionEvent>, from: string): ResumeState {
  const chain = nodeChain(compiled, from);
  if (!chain) {
    throw new CapstanError("CAPSTAN_USAGE", `the flow has no step "${from}"`, {
      hint: "name a step by id (`deploy`) or path (`rollout[2].deploy`, `gate.then.post`); `capstan executions show <id>` lists them",
      retryable: false,
    });
  }
  const whole = new Set<string>();
  const exact = new Set<string>();
  chain.forEach((level, depth) => {
    const target = depth === chain.length - 1;
    // The target and its dependents re-run entirely; an enclosing node re-runs only itself
    // (its other items and arms keep their outputs), and its own dependents re-run entirely.
    (target ? whole : exact).add(level.prefix + level.cn.node.id);
    for (const d of downstream(level.scope, level.cn.index)) whole.add(level.prefix + level.scope.nodes[d]!.node.id);
  });
  const completed: Record<string, { output: unknown }> = {};
  for (const [path, done] of Object.entries(resumeStateFromEvents(events).completed)) {
    if (exact.has(path) || isHandler(path)) continue;
    if ([...whole].some((w) => path === w || path.startsWith(`${w}[`) || path.startsWith(`${w}.`))) continue;
    completed[path] = done;
  }
  return { completed, interrupted: {}, rerun: [] };
}

function downstream(scope: CompiledScope, index: number): Set<number> {
  const out = new Set<number>();
  const stack = [...scope.nodes[index]!.dependents];
  while (stack.length) {
    const d = stack.pop()!;
    if (out.has(d)) continue;
    out.add(d);
    stack.push(...scope.nodes[d]!.dependents);
  }
  return out;
}

function isHandler(path: string): boolean {
  return path.startsWith("errors.") || path.startsWith("finally.") || /\]\.errors\./.test(path);
}

function lastId(path: string): string {
  return path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "");
}

/**
 * Which step paths are declared `idempotent: false`: a predicate over paths as events name them
 * (`pay`, `tenants[3].charge`, `gate.then.charge`), for the recorder to sync their start.
 */
export function unsafeSteps(compiled: CompiledFlow): (path: string) => boolean {
  const templates = new Set<string>();
  const walk = (scope: CompiledScope | undefined, prefix: string) => {
    for (const cn of scope?.nodes ?? []) {
      const path = prefix + cn.node.id;
      if (cn.node.kind === "step" && cn.node.options.idempotent === false) templates.add(path);
      if (cn.node.kind === "forEach") {
        walk(cn.scopes.body, `${path}[].`);
        walk(cn.scopes.errors, `${path}[].errors.`);
      } else for (const [name, s] of Object.entries(cn.scopes)) walk(s, `${path}.${name}.`);
    }
  };
  walk(compiled.main, "");
  walk(compiled.errors, "errors.");
  walk(compiled.finally, "finally.");
  if (templates.size === 0) return () => false;
  return (path) => templates.has(path.replace(/\[\d+\]/g, "[]"));
}
