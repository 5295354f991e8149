/** Per-execution state shared by the scheduler, and the context object steps receive. */
import type { Ctx, ExecutionInfo, FailureInfo, Logger, LogFields } from "../dsl/context.js";
import type { TaskContext } from "../task/define.js";
import type { ArtifactStore } from "../runtime/storage.js";
import type { SecretResolver } from "../runtime/secrets.js";
import type { ExecutionEvent, LogLevel } from "./events.js";
import type { LogRecord, StepRecord } from "./records.js";
import type { Masker } from "./mask.js";
import type { ResumeState, ResumedAttempt } from "./resume.js";
import { CapstanError } from "../errors.js";
import { replayKey } from "./resume.js";

export interface RunState {
  readonly execution: ExecutionInfo;
  readonly inputs: unknown;
  /** Undefined when nobody listens, so the hot path builds no event objects. */
  readonly emit: ((event: ExecutionEvent) => void) | undefined;
  readonly records: Record<string, StepRecord>;
  readonly logs: LogRecord[];
  /** How many log records `execution.logs` keeps (the newest); Infinity keeps all. */
  readonly keepLogs: number;
  readonly secrets: SecretResolver;
  readonly storage: ArtifactStore;
  readonly masker: Masker;
  readonly minLevel: number;
  /** Every step id of the flow, to tell a typo from a step that has not finished. */
  readonly allIds: ReadonlySet<string>;
  readonly random: () => number;
  readonly resume: ResumeState | undefined;
  readonly services: Readonly<Record<string, unknown>>;
  /** Run when the execution ends (after finally): connections and sessions tasks opened. */
  readonly cleanups: (() => unknown)[];
  /**
   * Attempts a timeout gave up on, still cleaning up after their abort (a pod step deleting its
   * pod): the execution ends after them, within the cancel grace, so their cleanup is recorded.
   */
  readonly abandoned: Promise<unknown>[];
}

export const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type FrameInit = Partial<Pick<Frame, "item" | "index" | "prefix" | "inItem" | "error">> & { signal: AbortSignal };

/** A frame inheriting from `parent` what `init` does not set. */
export function newFrame(parent: Frame | undefined, rs: RunState, init: FrameInit): Frame {
  return new Frame(
    parent,
    rs.allIds,
    "item" in init ? init.item : parent?.item,
    init.index ?? parent?.index ?? 0,
    init.prefix ?? parent?.prefix ?? "",
    init.inItem ?? parent?.inItem ?? false,
    init.signal,
    init.error ?? parent?.error,
  );
}

/** One running scope: the root, a forEach item, an if arm or a parallel branch. */
export class Frame {
  /** Own properties: this scope's outputs; prototype: the enclosing scope's. */
  readonly outputs: Record<string, unknown>;
  readonly #allIds: ReadonlySet<string>;
  #view: Record<string, unknown> | undefined = undefined;
  #prefix: string | undefined;
  readonly #forEach: string | undefined;

  /**
   * Positional (see newFrame): a forEach item builds one per item, with no options object. An
   * item's frame passes no `prefix` but its forEach's path: see `prefix`.
   */
  constructor(
    parent: Frame | undefined,
    allIds: ReadonlySet<string>,
    readonly item: unknown,
    readonly index: number,
    prefix: string | undefined,
    /** Inside a forEach item: step records are summarised on the forEach, not kept one by one. */
    readonly inItem: boolean,
    readonly signal: AbortSignal,
    readonly error: FailureInfo | undefined,
    forEach?: string,
  ) {
    this.outputs = Object.create(parent?.outputs ?? null) as Record<string, unknown>;
    this.#allIds = allIds;
    this.#prefix = prefix;
    this.#forEach = forEach;
  }

  /** What this scope's step paths start with (`tenants[2].`); an item's is built on first use, as most items never need one. */
  get prefix(): string {
    return (this.#prefix ??= `${this.#forEach}[${this.index}].`);
  }

  /** Built on first use: most forEach items never read `ctx.steps`. */
  get view(): Record<string, unknown> {
    return (this.#view ??= stepsView(this.outputs, this.#allIds));
  }
}

/** `ctx.steps`: reading a step that exists but has not finished is a clear error, not `undefined`. */
function stepsView(outputs: Record<string, unknown>, allIds: ReadonlySet<string>): Record<string, unknown> {
  return new Proxy(outputs, {
    get(target, key) {
      const value = target[key as string];
      // Fast path first: a present output. Only a miss pays for the `in` check.
      if (value !== undefined || typeof key !== "string" || key in target) return value;
      if (allIds.has(key)) {
        throw new CapstanError("CAPSTAN_STEP_NOT_VISIBLE", `steps.${key} is not available here: that step has not finished before this one, or it is inside another scope (a forEach body or an if arm)`, {
          hint: `make this step wait for it with needs: ["${key}"], or read the enclosing forEach/if result instead`,
          retryable: false,
        });
      }
      return undefined;
    },
  });
}

export class StepContext implements Ctx<unknown, unknown, unknown>, TaskContext {
  #log: Logger | undefined;
  #path: string | undefined;
  /** This attempt's last `phase()`, read by the engine when the attempt is cancelled or times out. */
  lastPhase: string | undefined = undefined;
  /** `path` undefined: the frame's prefix and the id, built when first read (see Frame.prefix). */
  constructor(
    readonly rs: RunState,
    readonly frame: Frame,
    readonly id: string,
    path: string | undefined,
    readonly attempt: number,
    readonly signal: AbortSignal,
  ) {
    this.#path = path;
  }
  get path(): string {
    return (this.#path ??= this.frame.prefix + this.id);
  }
  get inputs(): unknown {
    return this.rs.inputs;
  }
  get steps(): Record<string, unknown> {
    return this.frame.view;
  }
  get item(): unknown {
    return this.frame.item;
  }
  get index(): number {
    return this.frame.index;
  }
  get execution(): ExecutionInfo {
    return this.rs.execution;
  }
  get storage(): ArtifactStore {
    return this.rs.storage;
  }
  get services(): Readonly<Record<string, unknown>> {
    return this.rs.services;
  }
  get onExecutionEnd(): (cleanup: () => unknown) => void {
    return (cleanup) => void this.rs.cleanups.push(cleanup);
  }
  get error(): FailureInfo | undefined {
    return this.frame.error;
  }
  get step(): { id: string; path: string; attempt: number } {
    return { id: this.id, path: this.path, attempt: this.attempt };
  }
  get log(): Logger {
    // A resumed step's first attempt redoes the work after its last checkpoint: skip the lines that work already logged.
    return (this.#log ??= stepLogger(this.rs, this.path, this.id, this.attempt === 1 ? replayQueue(this.resumed) : undefined));
  }
  // Getters returning closures (not methods): `({ secret, checkpoint }) => ...` destructures them.
  get secret(): (name: string) => Promise<string> {
    return (name) => this.rs.secrets.get(name);
  }
  /** Set when this step is re-run after an interrupted attempt (resume), with its last checkpoint. */
  get resumed(): ResumedAttempt | undefined {
    return this.rs.resume?.interrupted?.[this.path];
  }
  /** Says what the step is doing now; a cancellation or timeout records the phase it came in. */
  get phase(): (name: string) => void {
    return (name) => {
      if (this.lastPhase === name) return;
      this.lastPhase = name;
      this.rs.emit?.({ type: "step.phase", executionId: this.rs.execution.id, time: Date.now(), path: this.path, stepId: this.id, attempt: this.attempt, phase: name });
    };
  }
  /** Records durable progress (e.g. the pod a step created) so a resumed run can pick it up. */
  get checkpoint(): (data: unknown) => void {
    return (data) => this.rs.emit?.({ type: "step.checkpoint", executionId: this.rs.execution.id, time: Date.now(), path: this.path, stepId: this.id, attempt: this.attempt, data });
  }
}

/** One queue per interrupted attempt, shared by the contexts of its re-run; emptied as lines come again. */
const replays = new WeakMap<ResumedAttempt, string[]>();

function replayQueue(resumed: ResumedAttempt | undefined): string[] | undefined {
  if (!resumed?.logsAfterCheckpoint?.length) return undefined;
  let queue = replays.get(resumed);
  if (!queue) replays.set(resumed, (queue = [...resumed.logsAfterCheckpoint]));
  return queue;
}

/** `replay`: lines already in the record (see ResumedAttempt.logsAfterCheckpoint); each is skipped once when logged again. */
export function stepLogger(rs: RunState, path: string, stepId: string, replay?: string[]): Logger {
  const write = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LEVELS[level] < rs.minLevel) return;
    const text = rs.masker.mask(String(message));
    if (replay !== undefined && replay.length > 0) {
      const i = replay.indexOf(replayKey(level, text));
      if (i !== -1) {
        replay.splice(i, 1);
        return;
      }
    }
    const safeFields = fields && rs.masker.active ? (JSON.parse(rs.masker.mask(JSON.stringify(fields))) as LogFields) : fields;
    const time = Date.now();
    const record: LogRecord = safeFields ? { time, path, level, message: text, fields: safeFields } : { time, path, level, message: text };
    if (rs.keepLogs > 0) {
      rs.logs.push(record);
      // Trim in batches, not per line: amortised O(1) while holding at most twice the limit.
      if (rs.logs.length >= 2 * rs.keepLogs) rs.logs.splice(0, rs.logs.length - rs.keepLogs);
    }
    rs.emit?.({ type: "log", executionId: rs.execution.id, time, path, stepId, level, message: text, ...(safeFields ? { fields: safeFields } : {}) });
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
