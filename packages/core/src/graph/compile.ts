/**
 * Compiles the builder's node lists into scopes the engine schedules: each node gets its
 * dependency indexes (explicit `needs`, else the node declared before it) and its dependents.
 * Validation collects every problem at once: duplicate ids, unknown or self `needs`, cycles, and
 * bad options (retry, timeout, concurrency).
 */
import type { Node, RetryPolicy } from "../dsl/nodes.js";
import type { RootParts } from "../dsl/builder.js";
import { FlowDefinitionError } from "../errors.js";
import { toMs } from "../duration.js";

export interface Retry {
  readonly attempts: number;
  readonly backoff: "constant" | "exponential";
  readonly delayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly when: ((error: unknown) => boolean) | undefined;
}

export interface CompiledNode {
  readonly node: Node;
  readonly index: number;
  readonly deps: number[];
  readonly dependents: number[];
  readonly timeoutMs: number | undefined;
  readonly retry: Retry | undefined;
  readonly concurrency: number;
  readonly scopes: Readonly<Record<string, CompiledScope>>;
}

export interface CompiledScope {
  readonly nodes: readonly CompiledNode[];
  /** Ids declared in this scope, to tell "not yet finished" from "does not exist". */
  readonly ids: ReadonlySet<string>;
}

export interface CompiledFlow {
  readonly root: RootParts;
  readonly main: CompiledScope;
  readonly errors: CompiledScope | undefined;
  readonly finally: CompiledScope | undefined;
  /** Every step id in the flow, to tell a typo from a step that has not finished. */
  readonly allIds: ReadonlySet<string>;
}

export function compileFlow(root: RootParts, nodes: readonly Node[]): CompiledFlow {
  const problems: string[] = [];
  const main = compileScope(nodes, [], "", problems);
  const errors = root.errors ? compileScope(root.errors, [main.ids], "errors.", problems) : undefined;
  const fin = root.finally ? compileScope(root.finally, [main.ids, errors?.ids ?? new Set()], "finally.", problems) : undefined;
  if (problems.length) throw new FlowDefinitionError(problems, root.meta.id);
  const allIds = new Set<string>();
  const walk = (scope: CompiledScope | undefined) => {
    for (const cn of scope?.nodes ?? []) {
      allIds.add(cn.node.id);
      for (const s of Object.values(cn.scopes)) walk(s);
    }
  };
  [main, errors, fin].forEach(walk);
  return { root, main, errors, finally: fin, allIds };
}

function compileScope(nodes: readonly Node[], outer: ReadonlySet<string>[], where: string, problems: string[]): CompiledScope {
  const ids = new Set<string>();
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (ids.has(n.id)) problems.push(`duplicate step id "${where}${n.id}": ids must be unique; rename one of them`);
    else if (outer.some((s) => s.has(n.id))) problems.push(`step id "${where}${n.id}" is already used by an enclosing scope; rename it`);
    ids.add(n.id);
    if (!index.has(n.id)) index.set(n.id, i);
  });
  const compiled: CompiledNode[] = nodes.map((node, i) => {
    // A body sees the steps declared before its container (the same rule the types enforce).
    const visible = node.kind === "step" ? [] : [...outer, new Set(nodes.slice(0, i).map((n) => n.id))];
    const path = `${where}${node.id}`;
    const deps: number[] = [];
    const needs = node.options.needs;
    if (needs === undefined) {
      if (i > 0) deps.push(i - 1);
    } else {
      if (!Array.isArray(needs)) problems.push(`step "${path}": needs must be an array of step ids`);
      else
        for (const need of needs) {
          const j = index.get(need);
          if (need === node.id) problems.push(`step "${path}" needs itself`);
          else if (j === undefined) {
            const hint = outer.some((s) => s.has(need)) ? " (it is in an enclosing scope, which has always finished before this scope starts: drop it)" : "";
            problems.push(`step "${path}" needs "${need}", which is not a step in the same scope${hint}`);
          } else if (!deps.includes(j)) deps.push(j);
        }
    }
    const scopes: Record<string, CompiledScope> = {};
    let concurrency = 1;
    switch (node.kind) {
      case "forEach": {
        scopes.body = compileScope(node.body, visible, `${path}[].`, problems);
        if (node.errors) scopes.errors = compileScope(node.errors, [...visible, scopes.body.ids], `${path}[].errors.`, problems);
        const c = node.options.concurrency ?? 1;
        // A function is checked when it runs; 0 marks "decided at run time" in the graph.
        if (typeof c === "function") concurrency = 0;
        else if (!validConcurrency(c)) problems.push(concurrencyProblem(path, c));
        else concurrency = c;
        const policy = node.options.onItemError;
        if (policy !== undefined && policy !== "fail" && policy !== "continue") problems.push(`forEach "${path}": onItemError must be "fail" or "continue", got ${JSON.stringify(policy)}`);
        if (node.body.length === 0) problems.push(`forEach "${path}" has an empty body; add a step with each.step(...)`);
        break;
      }
      case "if":
        scopes.then = compileScope(node.then, visible, `${path}.then.`, problems);
        scopes.else = compileScope(node.else, visible, `${path}.else.`, problems);
        break;
      case "parallel":
        for (const [name, body] of Object.entries(node.branches)) scopes[name] = compileScope(body, visible, `${path}.${name}.`, problems);
        break;
      case "step":
        break;
    }
    return {
      node,
      index: i,
      deps,
      dependents: [],
      timeoutMs: durationOption(node.options.timeout, `step "${path}": timeout`, problems),
      retry: retryOption(node.options.retry, path, problems),
      concurrency,
      scopes,
    };
  });
  for (const c of compiled) for (const d of c.deps) compiled[d]!.dependents.push(c.index);
  const cycle = findCycle(compiled);
  if (cycle) problems.push(`steps form a cycle: ${cycle.map((i) => `${where}${nodes[i]!.id}`).join(" -> ")}; remove one of these needs`);
  return { nodes: compiled, ids };
}

function durationOption(value: unknown, field: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  try {
    return toMs(value as string, field);
  } catch (e) {
    problems.push((e as Error).message);
    return undefined;
  }
}

function retryOption(r: RetryPolicy | undefined, path: string, problems: string[]): Retry | undefined {
  if (r === undefined) return undefined;
  if (!Number.isInteger(r.attempts) || r.attempts < 1) {
    problems.push(`step "${path}": retry.attempts must be a whole number >= 1 (total tries, including the first), got ${String(r.attempts)}`);
    return undefined;
  }
  if (r.backoff !== undefined && r.backoff !== "constant" && r.backoff !== "exponential") {
    problems.push(`step "${path}": retry.backoff must be "constant" or "exponential", got ${JSON.stringify(r.backoff)}`);
  }
  const jitter = r.jitter === true ? 0.5 : r.jitter === false || r.jitter === undefined ? 0 : r.jitter;
  if (!(jitter >= 0 && jitter <= 1)) problems.push(`step "${path}": retry.jitter must be a fraction between 0 and 1 (or true), got ${String(r.jitter)}`);
  const factor = r.factor ?? 2;
  if (!(factor >= 1)) problems.push(`step "${path}": retry.factor must be >= 1, got ${String(r.factor)}`);
  return {
    attempts: r.attempts,
    backoff: r.backoff ?? "constant",
    delayMs: durationOption(r.delay, `step "${path}": retry.delay`, problems) ?? 1000,
    maxDelayMs: durationOption(r.maxDelay, `step "${path}": retry.maxDelay`, problems) ?? 300_000,
    factor,
    jitter,
    when: r.when,
  };
}

/** Kahn's algorithm; returns one cycle (as node indexes) if the scope has any. */
function findCycle(nodes: readonly CompiledNode[]): number[] | undefined {
  const indeg = nodes.map((n) => n.deps.length);
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  let seen = 0;
  for (let q = 0; q < queue.length; q++) {
    seen++;
    for (const d of nodes[queue[q]!]!.dependents) if (--indeg[d]! === 0) queue.push(d);
  }
  if (seen === nodes.length) return undefined;
  // Walk dependencies from any node left over until one repeats: that loop is a cycle.
  let cur = indeg.findIndex((d) => d > 0);
  const order: number[] = [];
  const pos = new Map<number, number>();
  while (!pos.has(cur)) {
    pos.set(cur, order.length);
    order.push(cur);
    cur = nodes[cur]!.deps.find((d) => indeg[d]! > 0)!;
  }
  return [...order.slice(pos.get(cur)!), cur];
}

export function validConcurrency(c: unknown): c is number {
  return c === Infinity || (typeof c === "number" && Number.isInteger(c) && c >= 1);
}

export function concurrencyProblem(path: string, c: unknown): string {
  return `forEach "${path}": concurrency must be a whole number >= 1 or Infinity, got ${String(c)}`;
}
