/**
 * The flow builder. Every call returns a new builder whose generic `TO` has accumulated the new
 * step's output type (the tRPC ProcedureBuilder pattern), and appends a node to an immutable chain,
 * so the whole graph is known before anything runs. Bodies of forEach/if/parallel/errors/finally are
 * built once, at definition time, on a child builder.
 *
 * @example
 * const f = flow({ id: "demo", inputs: z.object({ names: z.array(z.string()) }) })
 *   .step("count", ({ inputs }) => inputs.names.length)
 *   .forEach("greet", ({ inputs }) => inputs.names, { concurrency: 4 }, (each) =>
 *     each.step("hello", ({ item }) => `hello ${item}`))
 *   .step("report", ({ steps }) => `${steps.count} greeted: ${steps.greet.map((g) => g.hello).join(", ")}`);
 */
import type { z } from "zod";
import type { Task, TaskName } from "../task/define.js";
import { isTask, taskName } from "../task/define.js";
import type { Ctx, ErrorExtra } from "./context.js";
import type { Chain, ForEachOptions, Node, StepOptions } from "./nodes.js";
import { chainToArray } from "./nodes.js";
import type { Add, Added, ForEachResult, FlowOutputs, IfResult, NewId, Resolve, StepCtx, TypeError, Unset, Visible, WithFailure } from "./types.js";
import { CapstanError } from "../errors.js";
import type { CompiledFlow } from "../graph/compile.js";
import { compileFlow } from "../graph/compile.js";
import type { GraphJSON } from "../graph/json.js";
import { graphJSON } from "../graph/json.js";
import { toDot, toMermaid } from "../graph/render.js";
import type { RunOptions } from "../engine/run.js";
import { runCompiled } from "../engine/run.js";
import type { Execution } from "../engine/records.js";
import type { Trigger } from "../triggers/types.js";

export interface FlowMeta {
  readonly id: string;
  readonly description?: string;
  readonly inputs?: z.ZodType;
  readonly labels?: Readonly<Record<string, string>>;
  readonly triggers?: readonly Trigger[];
}

/** Handlers that only the root builder carries. */
export interface RootParts {
  readonly meta: FlowMeta;
  readonly errors?: readonly Node[];
  readonly finally?: readonly Node[];
  readonly outputs?: (ctx: any) => unknown;
}

type AnyBuilder = FlowBuilder<any, any, any, any, any, any>;
type StepsOf<B> = B extends FlowBuilder<any, any, infer S, any, any, any> ? S : never;
type Items<T, C> = readonly T[] | ((ctx: C) => readonly T[] | Promise<readonly T[]>);

export interface ForEachConfig<TNeeds extends string, TErr> extends ForEachOptions<TNeeds> {
  /** Runs for a failed item only (e.g. roll that tenant back); sees `item`, `index` and `error`. */
  errors?: (b: TErr) => AnyBuilder;
}

export class FlowBuilder<TIn, TI, TO extends object, TItem = never, TX = {}, TOut = Unset> {
  /** @internal */ readonly _chain: Chain | undefined;
  /** @internal */ readonly _root: RootParts | undefined;
  /** Phantom types, for helpers such as typed test mocks. */
  declare readonly __types?: { input: TIn; inputs: TI; steps: TO; outputs: FlowOutputs<TO, TOut> };

  constructor(chain: Chain | undefined, root: RootParts | undefined) {
    this._chain = chain;
    this._root = root;
  }

  // Overload order matters. The one-argument unnamed form comes first (arity keeps it out of the
  // way of two-argument calls, so their parameter functions are not typed against it), and the
  // function form comes last because TypeScript reports the last overload's error: a duplicate id
  // then reads "step id "a" is already used in this flow".
  /** Unnamed task form: the id is the last segment of the task type (`kubernetes.podCreate` → `podCreate`). Name the step to give it options. */
  step<const TT extends string, R>(
    task: Task<TT, R, StepCtx<TI, TO, TItem, TX>>,
  ): TaskName<TT> extends keyof TO
    ? // Checked in the result, not the parameter: a conditional parameter type would untype the task's parameter function.
      TypeError<`this flow already has a step "${TaskName<TT>}"; name the step: .step("my-id", task)`>
    : FlowBuilder<TIn, TI, Add<TO, TaskName<TT>, R>, TItem, TX, TOut>;
  /** Task form: `.step("apply", kubectl.apply({ ... }))` or with a parameter function. */
  step<const K extends string, R, const Opt extends StepOptions<keyof TO & string> = {}>(
    id: NewId<K, TO>,
    task: Task<string, R, StepCtx<TI, TO, TItem, TX>>,
    options?: Opt & StepOptions<keyof TO & string>,
  ): FlowBuilder<TIn, TI, Add<TO, K, WithFailure<R, Opt>>, TItem, TX, TOut>;
  /** Function form: any (async) function of the context; it may also return a Task to run. */
  step<const K extends string, R, const Opt extends StepOptions<keyof TO & string> = {}>(
    id: NewId<K, TO>,
    fn: (ctx: StepCtx<TI, Visible<TO, Opt>, TItem, TX>) => R,
    options?: Opt & StepOptions<keyof TO & string>,
  ): FlowBuilder<TIn, TI, Add<TO, K, WithFailure<Resolve<R>, Opt>>, TItem, TX, TOut>;
  step(a: unknown, b?: unknown, c?: unknown): any {
    if (isTask(a)) return this.#add({ kind: "step", id: taskName(a.type), options: (b ?? {}) as StepOptions, task: a });
    const id = checkId(a, "step");
    const options = (c ?? {}) as StepOptions;
    if (isTask(b)) return this.#add({ kind: "step", id, options, task: b });
    if (typeof b === "function") return this.#add({ kind: "step", id, options, fn: b as (ctx: unknown) => unknown });
    throw usage(`step "${id}": the second argument must be a task (e.g. kubectl.apply({...})) or a function of the context, got ${describe(b)}`);
  }

  /**
   * Runs `body` once per item, at most `concurrency` at a time (default 1). The result is an array
   * in item order of each item's step outputs.
   */
  forEach<const K extends string, T, SO extends object, const M extends "fail" | "continue" = "fail">(
    id: NewId<K, TO>,
    items: Items<T, StepCtx<TI, TO, TItem, TX>>,
    options: ForEachConfig<keyof TO & string, FlowBuilder<TIn, TI, TO, T, ErrorExtra, Unset>> & { onItemError?: M },
    body: (each: FlowBuilder<TIn, TI, TO, T, {}, Unset>) => FlowBuilder<any, any, SO, any, any, any>,
  ): FlowBuilder<TIn, TI, Add<TO, K, ForEachResult<T, Added<SO, TO>, M>>, TItem, TX, TOut>;
  forEach<const K extends string, T, SO extends object>(
    id: NewId<K, TO>,
    items: Items<T, StepCtx<TI, TO, TItem, TX>>,
    body: (each: FlowBuilder<TIn, TI, TO, T, {}, Unset>) => FlowBuilder<any, any, SO, any, any, any>,
  ): FlowBuilder<TIn, TI, Add<TO, K, Added<SO, TO>[]>, TItem, TX, TOut>;
  forEach<T, SO extends object, const M extends "fail" | "continue" = "fail">(
    items: Items<T, StepCtx<TI, TO, TItem, TX>>,
    options: ForEachConfig<keyof TO & string, FlowBuilder<TIn, TI, TO, T, ErrorExtra, Unset>> & { onItemError?: M },
    body: (each: FlowBuilder<TIn, TI, TO, T, {}, Unset>) => FlowBuilder<any, any, SO, any, any, any>,
  ): FlowBuilder<TIn, TI, Add<TO, NewId<"forEach", TO> & string, ForEachResult<T, Added<SO, TO>, M>>, TItem, TX, TOut>;
  forEach<T, SO extends object>(
    items: Items<T, StepCtx<TI, TO, TItem, TX>>,
    body: (each: FlowBuilder<TIn, TI, TO, T, {}, Unset>) => FlowBuilder<any, any, SO, any, any, any>,
  ): FlowBuilder<TIn, TI, Add<TO, NewId<"forEach", TO> & string, Added<SO, TO>[]>, TItem, TX, TOut>;
  forEach(...args: unknown[]): AnyBuilder {
    const id = typeof args[0] === "string" ? checkId(args.shift(), "forEach") : "forEach";
    const [items, maybeOptions, maybeBody] = args;
    const body = (typeof maybeOptions === "function" ? maybeOptions : maybeBody) as ((b: AnyBuilder) => AnyBuilder) | undefined;
    const options = (typeof maybeOptions === "function" ? {} : (maybeOptions ?? {})) as ForEachConfig<string, AnyBuilder>;
    if (!Array.isArray(items) && typeof items !== "function") throw usage(`forEach "${id}": items must be an array or a function of the context returning one, got ${describe(items)}`);
    if (typeof body !== "function") throw usage(`forEach "${id}": the last argument must be a body function, e.g. (each) => each.step(...)`);
    const { errors, ...rest } = options;
    return this.#add({
      kind: "forEach",
      id,
      options: rest,
      items: items as readonly unknown[],
      body: buildBody(body, `forEach "${id}"`),
      errors: errors ? buildBody(errors, `forEach "${id}" errors`) : undefined,
    });
  }

  /** Runs `then` when `cond` is true, else `otherwise`; the untaken arm is recorded as skipped. */
  if<const K extends string, TT extends object, TE extends object = TO>(
    id: NewId<K, TO>,
    cond: (ctx: StepCtx<TI, TO, TItem, TX>) => boolean | Promise<boolean>,
    then: (b: FlowBuilder<TIn, TI, TO, TItem, TX, Unset>) => FlowBuilder<any, any, TT, any, any, any>,
    otherwise?: (b: FlowBuilder<TIn, TI, TO, TItem, TX, Unset>) => FlowBuilder<any, any, TE, any, any, any>,
    options?: Pick<StepOptions<keyof TO & string>, "needs" | "description">,
  ): FlowBuilder<TIn, TI, Add<TO, K, IfResult<Added<TT, TO>, Added<TE, TO>>>, TItem, TX, TOut>;
  if<TT extends object, TE extends object = TO>(
    cond: (ctx: StepCtx<TI, TO, TItem, TX>) => boolean | Promise<boolean>,
    then: (b: FlowBuilder<TIn, TI, TO, TItem, TX, Unset>) => FlowBuilder<any, any, TT, any, any, any>,
    otherwise?: (b: FlowBuilder<TIn, TI, TO, TItem, TX, Unset>) => FlowBuilder<any, any, TE, any, any, any>,
  ): FlowBuilder<TIn, TI, Add<TO, NewId<"if", TO> & string, IfResult<Added<TT, TO>, Added<TE, TO>>>, TItem, TX, TOut>;
  if(...args: unknown[]): AnyBuilder {
    const id = typeof args[0] === "string" ? checkId(args.shift(), "if") : "if";
    const [cond, then, otherwise, options] = args as [unknown, unknown, unknown, StepOptions | undefined];
    if (typeof cond !== "function") throw usage(`if "${id}": the condition must be a function of the context, e.g. ({ steps }) => steps.check.ready`);
    if (typeof then !== "function") throw usage(`if "${id}": the then-arm must be a function, e.g. (b) => b.step(...)`);
    return this.#add({
      kind: "if",
      id,
      options: options ?? {},
      cond: cond as (ctx: unknown) => unknown,
      then: buildBody(then as (b: AnyBuilder) => AnyBuilder, `if "${id}" then`),
      else: typeof otherwise === "function" ? buildBody(otherwise as (b: AnyBuilder) => AnyBuilder, `if "${id}" else`) : [],
    });
  }

  /** Named branches that run concurrently; the result maps each branch name to its step outputs. */
  parallel<const K extends string, const B extends Record<string, (b: FlowBuilder<TIn, TI, TO, TItem, TX, Unset>) => AnyBuilder>>(
    id: NewId<K, TO>,
    branches: B,
    options?: Pick<StepOptions<keyof TO & string>, "needs" | "description">,
  ): FlowBuilder<TIn, TI, Add<TO, K, { -readonly [P in keyof B]: Added<StepsOf<ReturnType<B[P]>>, TO> }>, TItem, TX, TOut> {
    const name = checkId(id, "parallel");
    if (typeof branches !== "object" || branches === null || Object.keys(branches).length === 0) {
      throw usage(`parallel "${name}": pass at least one branch, e.g. { a: (b) => b.step(...), b: (b) => b.step(...) }`);
    }
    const built: Record<string, readonly Node[]> = {};
    for (const [k, fn] of Object.entries(branches)) {
      if (typeof fn !== "function") throw usage(`parallel "${name}": branch "${k}" must be a function (b) => b.step(...)`);
      built[k] = buildBody(fn, `parallel "${name}" branch "${k}"`);
    }
    return this.#add({ kind: "parallel", id: name, options: options ?? {}, branches: built }) as never;
  }

  /** Runs when the flow fails, after the failure; sees `error` (the failed step) and the outputs so far. The flow stays failed. */
  errors(handler: (b: FlowBuilder<TIn, TI, Partial<TO>, never, ErrorExtra, Unset>) => AnyBuilder): FlowBuilder<TIn, TI, TO, TItem, TX, TOut> {
    const root = this.#requireRoot("errors");
    return new FlowBuilder(this._chain, { ...root, errors: buildBody(handler as never, "errors") });
  }

  /** Always runs last: after success, failure (and `errors`), or cancellation. */
  finally(handler: (b: FlowBuilder<TIn, TI, Partial<TO>, never, {}, Unset>) => AnyBuilder): FlowBuilder<TIn, TI, TO, TItem, TX, TOut> {
    const root = this.#requireRoot("finally");
    return new FlowBuilder(this._chain, { ...root, finally: buildBody(handler as never, "finally") });
  }

  /** The flow's outputs (default: every top-level step's output, by id). */
  outputs<R>(fn: (ctx: Ctx<TI, TO, never>) => R): FlowBuilder<TIn, TI, TO, TItem, TX, Awaited<R>> {
    const root = this.#requireRoot("outputs");
    return new FlowBuilder(this._chain, { ...root, outputs: fn });
  }

  /** The flow's id (root flows only). */
  get id(): string {
    return this.#requireRoot("id").meta.id;
  }

  /** The flow's metadata: id, description, inputs schema, labels, triggers. */
  get meta(): FlowMeta {
    return this.#requireRoot("meta").meta;
  }

  /** Checks the definition (duplicate ids, unknown needs, cycles, bad options); throws FlowDefinitionError listing every problem. */
  validate(): this {
    this.compile();
    return this;
  }

  /** The DAG as JSON: nodes with id, kind, task type, dependencies and nested bodies. */
  graph(): GraphJSON;
  graph(format: "json"): GraphJSON;
  graph(format: "mermaid" | "dot"): string;
  graph(format: "json" | "mermaid" | "dot" = "json"): GraphJSON | string {
    const g = graphJSON(this.compile());
    return format === "mermaid" ? toMermaid(g) : format === "dot" ? toDot(g) : g;
  }

  /**
   * Runs the flow in-process. Inputs are parsed first: invalid inputs throw an InputError listing
   * every bad path and nothing runs. Otherwise resolves with the execution record (SUCCESS, FAILED or
   * CANCELLED); it does not throw for a failed step.
   */
  run(options: RunOptions<TIn> = {}): Promise<Execution<FlowOutputs<TO, TOut>>> {
    return runCompiled<FlowOutputs<TO, TOut>>(this.compile(), options as RunOptions<unknown>);
  }

  #compiled: CompiledFlow | undefined;
  /** @internal */
  compile(): CompiledFlow {
    return (this.#compiled ??= compileFlow(this.#requireRoot("run"), this._nodes()));
  }

  #add(node: Node): AnyBuilder {
    return new FlowBuilder({ node, prev: this._chain, length: (this._chain?.length ?? 0) + 1 }, this._root);
  }

  #requireRoot(method: string): RootParts {
    if (!this._root) throw usage(`.${method}() belongs on the flow itself, not inside a forEach/if/parallel body`);
    return this._root;
  }

  /** @internal The nodes in declaration order. */
  _nodes(): Node[] {
    return chainToArray(this._chain);
  }
}

function buildBody(fn: (b: AnyBuilder) => AnyBuilder, where: string): Node[] {
  const out = fn(new FlowBuilder(undefined, undefined));
  if (!(out instanceof FlowBuilder)) throw usage(`${where}: the body must return the builder it was given, e.g. (b) => b.step(...)`);
  return out._nodes();
}

function checkId(id: unknown, what: string): string {
  if (typeof id !== "string" || !/^[A-Za-z_][\w-]*$/.test(id)) {
    throw usage(`${what} id ${JSON.stringify(id)} is not valid: use letters, digits, '_' and '-', starting with a letter or '_'`);
  }
  return id;
}

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function usage(message: string): CapstanError {
  return new CapstanError("CAPSTAN_FLOW_INVALID", message, { hint: "see docs/concepts.md for the builder's forms", retryable: false });
}
