/**
 * Resuming an execution that was interrupted (a killed process, a lost machine). The execution
 * store rebuilds a ResumeState from the recorded events; the engine then reuses the outputs of
 * steps that finished, re-runs steps whose outcome is unknown (handing them their last
 * checkpoint, so a pod step can reattach to its pod), and refuses to re-run a step declared
 * `idempotent: false` unless the user says so.
 */
import { CapstanError } from "../errors.js";

export interface ResumeState {
  /** Steps that finished successfully, by path (`deploy`, `tenants[3].apply`): their outputs are reused. */
  readonly completed: Readonly<Record<string, { readonly output: unknown }>>;
  /** Steps that had started when the execution stopped, by path, with the last checkpoint they recorded. */
  readonly interrupted?: Readonly<Record<string, ResumedAttempt>>;
  /** Paths of non-idempotent steps the user confirmed may run again. */
  readonly rerun?: readonly string[];
}

/** What a re-run step learns about its interrupted attempt. */
export interface ResumedAttempt {
  readonly attempt: number;
  readonly checkpoint?: unknown;
  /**
   * Log lines (`level` NUL `message`, as recorded) the interrupted attempt wrote after its last
   * checkpoint. Redoing the work after that checkpoint writes them again: the re-run attempt skips
   * each one once, so the execution log has every line once (the engine does this, not the task).
   */
  readonly logsAfterCheckpoint?: readonly string[];
}

export class ResumeUnsafeError extends CapstanError {
  override name = "ResumeUnsafeError";
  constructor(readonly stepPath: string) {
    super(
      "CAPSTAN_RESUME_UNSAFE",
      `step "${stepPath}" was running when the execution stopped and is declared idempotent: false, so running it again could repeat its effect`,
      { hint: `check whether it took effect, then resume with --rerun ${stepPath} to run it again`, retryable: false, details: { stepPath } },
    );
  }
}

type ResumeEvent =
  | { type: "step.started"; path: string; attempt: number }
  | { type: "step.finished"; path: string; state: string; output?: unknown }
  | { type: "step.checkpoint"; path: string; attempt: number; data: unknown }
  | { type: "log"; path: string; level: string; message: string }
  | { type: string };

interface Running {
  attempt: number;
  checkpoint?: unknown;
  /** Lines logged since this attempt's last checkpoint; undefined before its first one. */
  logs?: string[];
}

/** The key a log line is matched on when a resumed attempt writes it again. */
export function replayKey(level: string, message: string): string {
  return `${level}\0${message}`;
}

/**
 * Rebuilds what a resumed run needs from an interrupted execution's events, in order: finished
 * steps with their outputs, and steps that started without finishing (with their last checkpoint
 * and the lines they logged after it).
 */
export function resumeStateFromEvents(events: Iterable<ResumeEvent>, rerun: readonly string[] = []): ResumeState {
  const completed: Record<string, { output: unknown }> = {};
  const running = new Map<string, Running>();
  for (const e of events) {
    if (e.type === "log" && "message" in e) running.get(e.path)?.logs?.push(replayKey(e.level, e.message));
    else if (e.type === "step.started" && "attempt" in e) running.set(e.path, { ...running.get(e.path), attempt: e.attempt, logs: undefined });
    else if (e.type === "step.checkpoint" && "data" in e) running.set(e.path, { attempt: e.attempt, checkpoint: e.data, logs: [] });
    else if (e.type === "step.finished" && "state" in e) {
      running.delete(e.path);
      if (e.state === "SUCCESS") completed[e.path] = { output: e.output };
    }
  }
  const interrupted: Record<string, ResumedAttempt> = {};
  for (const [path, { attempt, checkpoint, logs }] of running) {
    interrupted[path] = { attempt, ...(checkpoint !== undefined ? { checkpoint } : {}), ...(logs?.length ? { logsAfterCheckpoint: logs } : {}) };
  }
  return { completed, interrupted, rerun };
}
