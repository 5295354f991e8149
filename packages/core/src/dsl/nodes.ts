/** Runtime shape of what the builder records. The compiler turns these into a validated graph. */
import type { Task } from "../task/define.js";
import type { Duration } from "../duration.js";

export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  /** `constant` waits `delay` each time; `exponential` doubles it (by `factor`) up to `maxDelay`. */
  backoff?: "constant" | "exponential";
  /** First delay. Default 1s. */
  delay?: Duration;
  /** Cap for exponential backoff. Default 5m. */
  maxDelay?: Duration;
  /** Multiplier for exponential backoff. Default 2. */
  factor?: number;
  /** Randomize each delay by up to this fraction (0..1) of itself; `true` = 0.5. Default none. */
  jitter?: boolean | number;
  /** Retry only errors this returns true for (non-retryable Capstan errors are never retried). */
  when?: (error: unknown) => boolean;
}

export interface StepOptions<TNeeds extends string = string> {
  /** Steps this one waits for. Default: the step declared just before it. `[]` = start immediately. */
  needs?: readonly TNeeds[];
  retry?: RetryPolicy;
  /** Aborts the step's signal and fails the attempt (retried if `retry` says so). */
  timeout?: Duration;
  /** A failure is recorded, the output is `undefined`, and the flow goes on. */
  allowFailure?: boolean;
  /** Shown in the graph and the terminal. */
  description?: string;
  /**
   * `false` when running the step twice would repeat an effect (send a payment, rotate a key):
   * resuming an execution that stopped while this step ran then asks instead of re-running it.
   */
  idempotent?: boolean;
}

export type AnyFn = (ctx: any) => unknown;

export interface StepNode {
  readonly kind: "step";
  readonly id: string;
  readonly options: StepOptions;
  readonly task?: Task;
  readonly fn?: AnyFn;
}

export interface ForEachOptions<TNeeds extends string = string> {
  /** How many items run at once: a number or a function of the context. Default 1; `Infinity` allowed. */
  concurrency?: number | ((ctx: any) => number);
  /** `fail` (default): the first failed item fails the forEach. `continue`: record and go on. */
  onItemError?: "fail" | "continue";
  needs?: readonly TNeeds[];
  description?: string;
}

export interface ForEachNode {
  readonly kind: "forEach";
  readonly id: string;
  readonly options: ForEachOptions & StepOptions;
  readonly items: readonly unknown[] | AnyFn;
  readonly body: readonly Node[];
  readonly errors: readonly Node[] | undefined;
}

export interface IfNode {
  readonly kind: "if";
  readonly id: string;
  readonly options: StepOptions;
  readonly cond: AnyFn;
  readonly then: readonly Node[];
  readonly else: readonly Node[];
}

export interface ParallelNode {
  readonly kind: "parallel";
  readonly id: string;
  readonly options: StepOptions;
  readonly branches: Readonly<Record<string, readonly Node[]>>;
}

export type Node = StepNode | ForEachNode | IfNode | ParallelNode;

/** Immutable linked list: builders share their prefix, so adding a step is O(1). */
export interface Chain {
  readonly node: Node;
  readonly prev: Chain | undefined;
  readonly length: number;
}

export function chainToArray(chain: Chain | undefined): Node[] {
  const out = new Array<Node>(chain?.length ?? 0);
  for (let c = chain, i = (chain?.length ?? 0) - 1; c; c = c.prev, i--) out[i] = c.node;
  return out;
}
