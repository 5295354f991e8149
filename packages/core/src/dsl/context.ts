/** The context every step, condition and item function receives; typed by the builder. */
import type { ArtifactStore } from "../runtime/storage.js";
import type { ResumedAttempt } from "../engine/resume.js";

export interface ExecutionInfo {
  readonly id: string;
  readonly flowId: string;
  readonly startedAt: Date;
  readonly labels: Readonly<Record<string, string>>;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** What a failed step looks like to an `errors` branch. */
export interface FailureInfo {
  /** Id of the step that failed (innermost), e.g. `restart`. */
  readonly stepId: string;
  /** Its path in the execution, e.g. `tenants[2].apply`. */
  readonly path: string;
  readonly code: string;
  readonly message: string;
  readonly error: Error;
}

export interface Ctx<TInputs, TSteps, TItem = never> {
  /** The flow's inputs, parsed by its zod schema. */
  readonly inputs: TInputs;
  /** Outputs of the steps that finished before this one, typed by step id. */
  readonly steps: TSteps;
  /** The current item in a `forEach` body. */
  readonly item: TItem;
  /** Index of the current item in a `forEach` body (0 elsewhere). */
  readonly index: number;
  readonly execution: ExecutionInfo;
  /** Aborted when the step times out or the execution is cancelled. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Resolves a secret through the run's providers. */
  secret(name: string): Promise<string>;
  readonly storage: ArtifactStore;
  /** 1 on the first try, 2 on the first retry, ... */
  readonly attempt: number;
  /** Set when this step is re-run after its attempt was interrupted (resume), with its last checkpoint. */
  readonly resumed: ResumedAttempt | undefined;
  /** Records durable progress so a resumed execution can pick up where this attempt was. */
  checkpoint(data: unknown): void;
  /** Says what the step is doing now; a cancelled or timed-out step's error names this phase. */
  phase(name: string): void;
  /** Run-scoped integration settings (`run({ services })`), by integration name. */
  readonly services: Readonly<Record<string, unknown>>;
  /** Registers a cleanup for when the execution ends. */
  onExecutionEnd(cleanup: () => unknown): void;
}

/** Context inside an `errors` branch: the usual context plus the failure. */
export interface ErrorExtra {
  readonly error: FailureInfo;
}
