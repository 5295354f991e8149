/** The execution record `flow.run()` returns. */
import type { ErrorInfo, ExecutionState, LogLevel, NodeKind, StepState } from "./events.js";

export interface ItemFailure {
  readonly index: number;
  readonly path: string;
  readonly error: ErrorInfo;
}

export interface StepRecord {
  readonly path: string;
  readonly id: string;
  readonly kind: NodeKind;
  /** Task type for task steps, `function` for function steps. */
  readonly task?: string;
  state: StepState;
  attempts: number;
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  output?: unknown;
  error?: ErrorInfo;
  /** A failure that `allowFailure` let through. */
  allowed?: boolean;
  /** Finished in an earlier run of this execution (resume); its output was reused. */
  resumed?: boolean;
  /** forEach only. */
  items?: { total: number; succeeded: number; failed: number; failures: ItemFailure[] };
  /** if only. */
  taken?: "then" | "else";
}

export interface LogRecord {
  readonly time: number;
  readonly path: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

export interface Execution<TOutputs = unknown> {
  readonly id: string;
  readonly flowId: string;
  readonly state: ExecutionState;
  readonly inputs: unknown;
  readonly labels: Readonly<Record<string, string>>;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly durationMs: number;
  /** Records of top-level steps and of steps inside if/parallel arms, by path. Steps inside forEach items are summarised on the forEach's record. */
  readonly steps: Readonly<Record<string, StepRecord>>;
  /** Present when the execution succeeded. */
  readonly outputs: TOutputs | undefined;
  readonly error?: ErrorInfo;
  readonly logs: readonly LogRecord[];
}
