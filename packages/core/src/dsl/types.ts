/** Type-level machinery of the builder (the accumulator, readable type errors, output shapes). */
import type { Task, TaskName } from "../task/define.js";
import type { Ctx } from "./context.js";

declare const typeErrorBrand: unique symbol;
/** A readable compile-time error: the message shows up in the "not assignable to" diagnostic. */
export type TypeError<Msg extends string> = Msg & { readonly [typeErrorBrand]: Msg };

export type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type Add<O, K extends string, V> = Simplify<O & { [P in K]: V }>;
export type NewId<K extends string, O> = K extends keyof O ? TypeError<`step id "${K}" is already used in this flow; give the step another id`> : K;
/** What a step's function returned, with a returned Task replaced by that task's output. */
export type Resolve<R> = Awaited<R> extends infer A ? (A extends Task<string, infer TO, any> ? TO : A) : never;
export type WithFailure<R, Opt> = Opt extends { allowFailure: true } ? R | undefined : R;
// Non-distributive on purpose: a distributive version made ctx `never` while Opt was being inferred.
export type Visible<O, Opt> = [Opt] extends [{ needs: readonly (infer N extends keyof O)[] }] ? Pick<O, N> : O;

export type StepCtx<TI, TO, TItem, TX> = Ctx<TI, TO, TItem> & TX;

/** What a body added on top of the steps that were visible when it started. */
export type Added<SO, O> = Simplify<Omit<SO, keyof O>>;

/** A forEach item's record when `onItemError: "continue"`. */
export type ItemOutcome<T, S> =
  | { readonly ok: true; readonly item: T; readonly index: number; readonly steps: S }
  | { readonly ok: false; readonly item: T; readonly index: number; readonly error: { readonly stepId: string; readonly code: string; readonly message: string } };

export type ForEachResult<T, S, M> = M extends "continue" ? ItemOutcome<T, S>[] : S[];

export type IfResult<TT, TE> = { readonly taken: "then"; readonly steps: TT } | { readonly taken: "else"; readonly steps: TE };

/** Marker: the flow has no `.outputs()`, so its outputs are its steps' outputs. */
export interface Unset {
  readonly __unset: true;
}
export type FlowOutputs<TO, TOut> = [TOut] extends [Unset] ? TO : TOut;
