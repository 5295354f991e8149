/** Everything an execution reports, in order: reporters, JSON output and the store consume these. */
export type ExecutionState = "SUCCESS" | "FAILED" | "CANCELLED";
export type StepState = "RUNNING" | "SUCCESS" | "FAILED" | "SKIPPED" | "CANCELLED";
export type LogLevel = "debug" | "info" | "warn" | "error";
export type NodeKind = "step" | "forEach" | "if" | "parallel";

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  /** Path of the step that failed, when a step did. */
  readonly stepPath?: string;
  /** What the step was doing (`ctx.phase`, e.g. podCreate's `scheduling`) when it was cancelled or timed out. */
  readonly phase?: string;
}

interface Base {
  readonly executionId: string;
  /** Epoch milliseconds. */
  readonly time: number;
}

export type ExecutionEvent =
  | (Base & { readonly type: "execution.started"; readonly flowId: string; readonly labels: Readonly<Record<string, string>> })
  | (Base & { readonly type: "step.started"; readonly path: string; readonly stepId: string; readonly kind: NodeKind; readonly task?: string; readonly attempt: number })
  | (Base & { readonly type: "step.retrying"; readonly path: string; readonly stepId: string; readonly attempt: number; readonly delayMs: number; readonly error: ErrorInfo })
  | (Base & {
      readonly type: "step.finished";
      readonly path: string;
      readonly stepId: string;
      readonly kind: NodeKind;
      readonly state: StepState;
      readonly attempts: number;
      readonly durationMs: number;
      readonly error?: ErrorInfo;
      /** A failure that `allowFailure` let through. */
      readonly allowed?: boolean;
      /** The step's output (SUCCESS only), for the execution store. */
      readonly output?: unknown;
      /** Finished in an earlier run of this execution; its recorded output was reused. */
      readonly resumed?: boolean;
    })
  /** The step says what it is doing now (`ctx.phase`), e.g. a pod step `scheduling`, then `running`. */
  | (Base & { readonly type: "step.phase"; readonly path: string; readonly stepId: string; readonly attempt: number; readonly phase: string })
  | (Base & { readonly type: "step.checkpoint"; readonly path: string; readonly stepId: string; readonly attempt: number; readonly data: unknown })
  | (Base & { readonly type: "item.started"; readonly path: string; readonly forEach: string; readonly index: number; readonly total: number })
  | (Base & { readonly type: "item.finished"; readonly path: string; readonly forEach: string; readonly index: number; readonly state: "SUCCESS" | "FAILED" | "CANCELLED"; readonly error?: ErrorInfo })
  | (Base & { readonly type: "log"; readonly path: string; readonly stepId: string; readonly level: LogLevel; readonly message: string; readonly fields?: Record<string, unknown> })
  | (Base & { readonly type: "execution.finished"; readonly flowId: string; readonly state: ExecutionState; readonly durationMs: number; readonly error?: ErrorInfo });

export type EventListener = (event: ExecutionEvent) => void;
