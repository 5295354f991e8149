/**
 * `defineTask` is how every integration package declares its tasks: a type name, a zod input
 * schema (validated before the task runs, errors name the field), an optional output schema, and
 * `run`. It returns a factory; calling the factory gives a Task value, which is a step.
 *
 * @example
 * export const greet = defineTask({
 *   type: "example.greet",
 *   input: z.object({ name: z.string() }),
 *   run: async ({ name }, ctx) => { ctx.log.info(`hello ${name}`); return { greeting: `hello ${name}` }; },
 * });
 * flow({ id: "hi" }).step(greet({ name: "ops" }));                 // id "greet"
 * flow({ id: "hi" }).step("hello", greet(({ inputs }) => ({ name: inputs.who })));
 */
import type { z } from "zod";
import type { Logger, ExecutionInfo } from "../dsl/context.js";
import type { ArtifactStore } from "../runtime/storage.js";
import type { WithSecrets } from "../runtime/secrets.js";
import { CapstanError } from "../errors.js";
import type { ResumedAttempt } from "../engine/resume.js";

const TASK = Symbol.for("capstan.task");

export interface TaskContext {
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly execution: ExecutionInfo;
  secret(name: string): Promise<string>;
  readonly storage: ArtifactStore;
  readonly step: { readonly id: string; readonly path: string; readonly attempt: number };
  /** Set when this step is re-run after its attempt was interrupted (resume): the last checkpoint it recorded. */
  readonly resumed: ResumedAttempt | undefined;
  /** Records durable progress (e.g. the pod it created) so a resumed execution can reattach instead of starting over. */
  checkpoint(data: unknown): void;
  /**
   * Says what the task is doing now (`scheduling`, `running`, ...): emitted as a `step.phase`
   * event, and a cancelled or timed-out step's error names the phase it was in.
   */
  phase(name: string): void;
  /** Run-scoped integration settings (`run({ services })`), by integration name. */
  readonly services: Readonly<Record<string, unknown>>;
  /** Registers a cleanup for when the execution ends (e.g. close the connections a task opened). */
  onExecutionEnd(cleanup: () => unknown): void;
}

export interface TaskDefinition<TType extends string, TSchema extends z.ZodType, TOut> {
  /** Namespaced type, e.g. `kubernetes.apply`. The part after the last dot names unnamed steps. */
  readonly type: TType;
  readonly description?: string;
  readonly input: TSchema;
  readonly output?: z.ZodType<TOut>;
  run(input: z.output<TSchema>, ctx: TaskContext): Promise<TOut> | TOut;
}

/** A value or a function of the step's context that computes it. */
export type Lazy<T, C> = T | ((ctx: C) => T | Promise<T>);

/** A configured task: what `.step()` accepts. `C` is the context its parameter function receives. */
export interface Task<TType extends string = string, TOut = unknown, C = any> {
  readonly [TASK]: true;
  readonly type: TType;
  readonly params: Lazy<unknown, C>;
  readonly definition: TaskDefinition<TType, z.ZodType, TOut>;
  /** Phantom: the output type. */
  readonly __output?: TOut;
}

export interface TaskFactory<TType extends string, TIn, TOut> {
  <C = any>(params: Lazy<WithSecrets<TIn>, C>): Task<TType, TOut, C>;
  readonly type: TType;
  readonly definition: TaskDefinition<TType, z.ZodType, TOut>;
}

type OutputOf<TSchemaOut, TRun> = [TSchemaOut] extends [undefined] ? Awaited<TRun> : TSchemaOut;

export function defineTask<const TType extends string, TSchema extends z.ZodType, TRun, TOutSchema extends z.ZodType | undefined = undefined>(def: {
  type: TType;
  description?: string;
  input: TSchema;
  output?: TOutSchema;
  run(input: z.output<TSchema>, ctx: TaskContext): TRun;
}): TaskFactory<TType, z.input<TSchema>, OutputOf<TOutSchema extends z.ZodType ? z.output<TOutSchema> : undefined, TRun>> {
  if (!/^[A-Za-z][\w-]*(\.[A-Za-z][\w-]*)*$/.test(def.type)) {
    throw new CapstanError("CAPSTAN_USAGE", `task type "${def.type}" is not valid`, {
      hint: 'use dotted identifiers such as "kubernetes.apply"',
      retryable: false,
    });
  }
  const definition = def as unknown as TaskDefinition<TType, z.ZodType, never>;
  const factory = (params: unknown) => Object.freeze({ [TASK]: true as const, type: def.type, params, definition });
  return Object.assign(factory, { type: def.type, definition }) as never;
}

export function isTask(value: unknown): value is Task {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TASK] === true;
}

/** The step id an unnamed task step gets: the last segment of its type. */
export type TaskName<T extends string> = T extends `${string}.${infer Rest}` ? TaskName<Rest> : T;
export function taskName(type: string): string {
  return type.slice(type.lastIndexOf(".") + 1);
}
