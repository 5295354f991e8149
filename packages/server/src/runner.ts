/**
 * Starts executions for the server: records each one, applies the per-flow concurrency limit
 * (queue, cancel or fail the newcomer), reports finished executions (for `after` chaining and
 * waiting webhooks), and on shutdown lets running executions finish up to a deadline, leaving the
 * rest, and everything still queued, resumable.
 */
import { CapstanError, InputError, unsafeSteps, type AnyFlow, type Execution, type ExecutionStore, type Recorder, type RunOptions, type TriggerInfo } from "@capstan/core";
import type { LoadedFlow } from "./load.js";

export interface ConcurrencyLimit {
  /** Executions of the flow that may run at once. */
  limit: number;
  /** What a newcomer past the limit gets: wait its turn, or be recorded CANCELLED or FAILED without running. */
  onLimit: "queue" | "cancel" | "fail";
}

export interface StartRequest {
  readonly entry: LoadedFlow;
  readonly inputs: unknown;
  readonly trigger: TriggerInfo;
}

export interface Started {
  readonly executionId: string;
  readonly flowId: string;
  readonly state: "RUNNING" | "QUEUED" | "CANCELLED" | "FAILED";
  /** Set when the concurrency limit turned the newcomer away. */
  readonly rejected?: { code: string; message: string; hint?: string };
  /** The finished execution; undefined if it never ran here (turned away, or suspended by shutdown). */
  readonly done: Promise<Execution | undefined>;
}

export interface RunnerOptions {
  store: ExecutionStore;
  limits?: Readonly<Record<string, ConcurrencyLimit>>;
  defaultLimit?: ConcurrencyLimit;
  run?: Pick<RunOptions<unknown>, "secrets" | "services" | "storage" | "cancelGraceMs">;
  /** Awaited before the execution counts as done (starts `after` triggers). */
  onFinished?: (entry: LoadedFlow, execution: Execution) => void | Promise<void>;
  log?: (line: string) => void;
}

interface Active {
  readonly entry: LoadedFlow;
  readonly recorder: Recorder;
  readonly inputs: unknown;
  resolve: (ex: Execution | undefined) => void;
  /** Set once the run started. */
  running?: Promise<unknown>;
}

export class ExecutionRunner {
  readonly #o: RunnerOptions;
  readonly #running = new Map<string, Active>();
  readonly #queues = new Map<string, Active[]>();
  #stopping = false;
  readonly #unsafeByFlow = new WeakMap<AnyFlow, (path: string) => boolean>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: RunnerOptions) {
    this.#o = options;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Executions running now, by flow id when given. */
  running(flowId?: string): number {
    let n = 0;
    for (const a of this.#running.values()) if (flowId === undefined || a.entry.flow.id === flowId) n++;
    return n;
  }

  queued(flowId?: string): number {
    if (flowId !== undefined) return this.#queues.get(flowId)?.length ?? 0;
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  /**
   * Checks the inputs against the flow's schema (throwing InputError, with nothing recorded), then
   * starts the execution, queues it, or turns it away, by the flow's concurrency limit.
   */
  async start(req: StartRequest): Promise<Started> {
    if (this.#stopping) throw new CapstanError("CAPSTAN_SHUTTING_DOWN", "the server is shutting down and starts no new executions", { retryable: true });
    const flow = req.entry.flow;
    await checkInputs(flow, req.inputs);
    const recorder = this.#o.store.begin({ flowId: flow.id, inputs: req.inputs, labels: flow.meta.labels ?? {}, trigger: req.trigger, unsafeStep: this.#unsafe(flow), ...(req.entry.file ? { flowFile: req.entry.file } : {}) });
    let resolve!: (ex: Execution | undefined) => void;
    const done = new Promise<Execution | undefined>((r) => (resolve = r));
    const active: Active = { entry: req.entry, recorder, inputs: req.inputs, resolve };
    const limit = this.#o.limits?.[flow.id] ?? this.#o.defaultLimit;
    const busy = this.running(flow.id) + this.queued(flow.id);
    if (!limit || busy < limit.limit) {
      this.#launch(active);
      return { executionId: recorder.id, flowId: flow.id, state: "RUNNING", done };
    }
    if (limit.onLimit === "queue") {
      // Recorded now, so the caller has an id to follow while it waits.
      recorder.open();
      const q = this.#queues.get(flow.id) ?? [];
      q.push(active);
      this.#queues.set(flow.id, q);
      return { executionId: recorder.id, flowId: flow.id, state: "QUEUED", done };
    }
    const state = limit.onLimit === "cancel" ? "CANCELLED" : "FAILED";
    const rejected = {
      code: "CAPSTAN_CONCURRENCY_LIMIT",
      message: `flow "${flow.id}" already has ${busy} execution${busy === 1 ? "" : "s"} running (limit ${limit.limit}); this one was ${state === "CANCELLED" ? "cancelled" : "failed"} without running`,
      hint: "try again when the running executions finish, or raise the flow's concurrency limit",
    };
    const now = Date.now();
    recorder.onEvent({ type: "execution.finished", executionId: recorder.id, time: now, flowId: flow.id, state, durationMs: 0, error: rejected });
    recorder.complete({ state, outputs: undefined });
    resolve(undefined);
    this.#o.log?.(`${flow.id}: execution ${recorder.id} ${state === "CANCELLED" ? "cancelled" : "failed"}: concurrency limit ${limit.limit} reached`);
    return { executionId: recorder.id, flowId: flow.id, state, rejected, done };
  }

  #unsafe(flow: AnyFlow): (path: string) => boolean {
    let p = this.#unsafeByFlow.get(flow);
    if (!p) this.#unsafeByFlow.set(flow, (p = unsafeSteps(flow.compile())));
    return p;
  }

  #launch(active: Active): void {
    const { entry, recorder } = active;
    this.#running.set(recorder.id, active);
    active.running = entry.flow
      .run({ ...this.#o.run, inputs: active.inputs, executionId: recorder.id, onEvent: recorder.onEvent })
      .then(
        async (ex: Execution) => {
          if (!this.#running.has(recorder.id)) return; // suspended by shutdown: it no longer counts here
          recorder.complete(ex);
          // Chained executions are started before this one counts as done, so idle() sees them.
          await Promise.resolve(this.#o.onFinished?.(entry, ex)).catch((e: unknown) => this.#o.log?.(`${entry.flow.id}: after ${recorder.id}: ${(e as Error).message}`));
          this.#finish(active, ex);
        },
        (err: unknown) => {
          recorder.close();
          this.#o.log?.(`${entry.flow.id}: execution ${recorder.id} could not start: ${err instanceof Error ? err.message : String(err)}`);
          this.#finish(active, undefined);
        },
      );
  }

  #finish(active: Active, ex: Execution | undefined): void {
    this.#running.delete(active.recorder.id);
    active.resolve(ex);
    const flowId = active.entry.flow.id;
    const next = this.#stopping ? undefined : this.#queues.get(flowId)?.shift();
    if (next) this.#launch(next);
    this.#checkIdle();
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running() === 0 && this.queued() === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #checkIdle(): void {
    if (this.running() > 0 || this.queued() > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Starts nothing more; queued executions are left resumable at once, running ones get until
   * `graceMs` to finish, and the rest are left resumable (`capstan resume <id>`).
   */
  async shutdown(graceMs: number): Promise<{ finished: number; suspended: string[] }> {
    this.#stopping = true;
    const suspended: string[] = [];
    for (const q of this.#queues.values()) {
      for (const a of q.splice(0)) {
        a.recorder.suspend("server shut down before it started");
        a.resolve(undefined);
        suspended.push(a.recorder.id);
      }
    }
    const waiting = [...this.#running.values()];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(waiting.map((a) => a.running)), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    let finished = 0;
    for (const a of waiting) {
      if (!this.#running.has(a.recorder.id)) {
        finished++;
        continue;
      }
      this.#running.delete(a.recorder.id);
      a.recorder.suspend(`server shut down; still running after the ${graceMs}ms grace period`);
      a.resolve(undefined);
      suspended.push(a.recorder.id);
    }
    this.#checkIdle();
    return { finished, suspended };
  }
}

/** Parses inputs with the flow's schema the way the engine will; throws InputError listing every problem. */
export async function checkInputs(flow: AnyFlow, inputs: unknown): Promise<void> {
  const schema = flow.meta.inputs;
  if (!schema) return;
  const parsed = await schema.safeParseAsync(inputs ?? {});
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
      flow.id,
    );
  }
}
