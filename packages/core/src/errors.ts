/**
 * One error hierarchy for all of Capstan. Every error has a stable `code` (documented in
 * docs/errors.md) and a `hint` that says what to do. Secrets never belong in messages: callers pass
 * names, never values.
 */
export type ErrorCode =
  | "CAPSTAN_FLOW_INVALID"
  | "CAPSTAN_INPUT_INVALID"
  | "CAPSTAN_TASK_INPUT_INVALID"
  | "CAPSTAN_TASK_OUTPUT_INVALID"
  | "CAPSTAN_STEP_FAILED"
  | "CAPSTAN_STEP_TIMEOUT"
  | "CAPSTAN_STEP_NOT_VISIBLE"
  | "CAPSTAN_CANCELLED"
  | "CAPSTAN_SECRET_MISSING"
  | "CAPSTAN_ARTIFACT_NOT_FOUND"
  | "CAPSTAN_USAGE"
  | "CAPSTAN_INTERNAL"
  | (string & {});

export interface CapstanErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Whether retrying the same step can help. Defaults to true for step failures. */
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export class CapstanError extends Error {
  override name = "CapstanError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: CapstanErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? true;
    this.details = options.details;
  }

  /** `CODE: message` plus the hint on its own line: what the terminal shows without --debug. */
  format(): string {
    return `${this.code}: ${this.message}${this.hint ? `\nhint: ${this.hint}` : ""}`;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** The flow definition itself is wrong: duplicate ids, unknown `needs`, cycles. */
export class FlowDefinitionError extends CapstanError {
  override name = "FlowDefinitionError";
  constructor(readonly problems: string[], flowId: string) {
    super("CAPSTAN_FLOW_INVALID", `flow "${flowId}" is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`, {
      hint: "fix the flow definition; `capstan validate <file>` checks it without running anything",
      retryable: false,
      details: { problems },
    });
  }
}

export interface Issue {
  /** Dotted path of the bad field, e.g. `deployments.1` or `spec.containers.0.image`. */
  path: string;
  message: string;
}

/** Flow inputs failed the flow's zod schema. Thrown before anything runs. */
export class InputError extends CapstanError {
  override name = "InputError";
  constructor(readonly issues: Issue[], flowId: string) {
    super("CAPSTAN_INPUT_INVALID", `flow "${flowId}" got invalid inputs:\n${formatIssues(issues)}`, {
      hint: "pass inputs that match the flow's schema (`--help` lists them with their types)",
      retryable: false,
      details: { issues },
    });
  }
}

/** A task's parameters failed its input schema: the message names every bad field. Never retried. */
export class TaskInputError extends CapstanError {
  override name = "TaskInputError";
  constructor(readonly issues: Issue[], taskType: string, stepPath: string) {
    super("CAPSTAN_TASK_INPUT_INVALID", `step "${stepPath}" (${taskType}) got invalid parameters:\n${formatIssues(issues)}`, {
      hint: `check the parameters passed to ${taskType} at step "${stepPath}"`,
      retryable: false,
      details: { issues, taskType },
    });
  }
}

export class TaskOutputError extends CapstanError {
  override name = "TaskOutputError";
  constructor(readonly issues: Issue[], taskType: string, stepPath: string) {
    super("CAPSTAN_TASK_OUTPUT_INVALID", `step "${stepPath}" (${taskType}) returned an output that does not match its schema:\n${formatIssues(issues)}`, {
      hint: `this is a bug in the task ${taskType}; report it with the step's log`,
      retryable: false,
      details: { issues, taskType },
    });
  }
}

export class StepTimeoutError extends CapstanError {
  override name = "StepTimeoutError";
  /** `phase`: what the step said it was doing when the time ran out (`ctx.phase`). */
  constructor(stepPath: string, readonly timeoutMs: number, readonly phase?: string) {
    super("CAPSTAN_STEP_TIMEOUT", `step "${stepPath}" timed out after ${formatMs(timeoutMs)}${phase ? ` (in phase "${phase}")` : ""}`, {
      hint: "raise the step's `timeout` option or make the step faster",
      retryable: true,
      details: phase ? { timeoutMs, phase } : { timeoutMs },
    });
  }
}

export class CancelledError extends CapstanError {
  override name = "CancelledError";
  constructor(reason = "the execution was cancelled") {
    super("CAPSTAN_CANCELLED", reason, { retryable: false });
  }
}

/** Wraps whatever a step threw, keeping the original as `cause`. */
export class StepFailedError extends CapstanError {
  override name = "StepFailedError";
  constructor(readonly stepPath: string, readonly attempts: number, cause: unknown) {
    super(
      (cause instanceof CapstanError ? cause.code : "CAPSTAN_STEP_FAILED"),
      `step "${stepPath}" failed${attempts > 1 ? ` after ${attempts} attempts` : ""}: ${messageOf(cause)}`,
      { cause, retryable: false, hint: cause instanceof CapstanError ? cause.hint : undefined },
    );
  }
}

export function formatIssues(issues: Issue[]): string {
  return issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n");
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, "")}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m}m${s}s` : `${m}m`;
}

/** zod issues → our Issue list (zod 4 `error.issues`). */
export function issuesFromZod(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
