/** What an execution's record file holds, line by line, and what the store reads back from it. */
import type { ErrorInfo, ExecutionEvent, ExecutionState, LogLevel, StepState } from "../engine/events.js";
import type { StepRecord } from "../engine/records.js";

/** What started an execution. */
export type TriggerInfo =
  | { readonly type: "manual"; readonly via: "cli" | "api" | "http" }
  | { readonly type: "schedule"; readonly cron: string; readonly timezone?: string; readonly scheduledAt: string; readonly catchUp?: boolean }
  | { readonly type: "webhook"; readonly path: string }
  | { readonly type: "after"; readonly flowId: string; readonly executionId: string; readonly state: ExecutionState }
  | { readonly type: "restart"; readonly executionId: string; readonly from: string };

/** First line of every record: who, what and with which inputs, so the execution can be resumed. */
export interface RecordCreated {
  readonly type: "record.created";
  /** Record format version. */
  readonly v: 1;
  readonly executionId: string;
  readonly flowId: string;
  /** Absolute path of the flow file, when known: `capstan resume` loads the flow from it. */
  readonly flowFile?: string;
  /** Inputs as given to the run (before the schema's defaults/transforms), so a resume parses them the same way. */
  readonly inputs: unknown;
  readonly labels: Readonly<Record<string, string>>;
  readonly trigger: TriggerInfo;
  readonly time: number;
  readonly host: string;
  readonly pid: number;
}

/** A later process took the execution over (`capstan resume`). */
export interface RecordResumed {
  readonly type: "record.resumed";
  readonly time: number;
  readonly host: string;
  readonly pid: number;
  readonly rerun: readonly string[];
}

/** The process stopped recording on purpose (graceful shutdown past its deadline): resumable. */
export interface RecordSuspended {
  readonly type: "record.suspended";
  readonly time: number;
  readonly reason: string;
}

/** The flow's outputs, written right after `execution.finished`. */
export interface RecordOutputs {
  readonly type: "record.outputs";
  readonly time: number;
  readonly outputs: unknown;
}

export type RecordLine = RecordCreated | RecordResumed | RecordSuspended | RecordOutputs | ExecutionEvent;

/** `INTERRUPTED`: the process recording it died or stopped before the end; `capstan resume` continues it. */
export type StoredState = ExecutionState | "QUEUED" | "RUNNING" | "INTERRUPTED";
export type StoredStepState = StepState | "INTERRUPTED";

/** A step as the store rebuilds it from events: the engine's StepRecord, plus what only the record keeps. */
export interface StoredStep extends Omit<StepRecord, "state" | "items" | "taken"> {
  state: StoredStepState;
  /** The last checkpoint the step recorded. */
  checkpoint?: unknown;
  /** Failed attempts that were retried. */
  retries?: { attempt: number; delayMs: number; error: ErrorInfo }[];
  /** forEach only. */
  items?: { total: number; succeeded: number; failed: number };
}

export interface StoredLog {
  readonly time: number;
  readonly path: string;
  readonly stepId: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/** One line of `capstan executions`: read from the head and tail of the record only. */
export interface ExecutionSummary {
  readonly id: string;
  readonly flowId: string;
  readonly state: StoredState;
  readonly trigger: TriggerInfo;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  readonly error?: ErrorInfo;
}

/** Everything recorded about one execution (`capstan executions show`). */
export interface StoredExecution extends ExecutionSummary {
  readonly flowFile?: string;
  readonly inputs: unknown;
  readonly startedAt?: number;
  /** How many processes ran it (1, plus one per resume). */
  readonly runs: number;
  readonly steps: Readonly<Record<string, StoredStep>>;
  readonly outputs?: unknown;
  readonly logs: readonly StoredLog[];
  /** Set when the record's last line was cut short by a crash (it was dropped). */
  readonly torn: boolean;
}
