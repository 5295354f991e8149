/**
 * The execution store: one append-only JSON-lines file per execution under
 * `<home>/executions/` (home: the `dir` option, else `$CAPSTAN_HOME`, else `.capstan` in the
 * current directory). No server, no database, no setup; concurrent runs write different files,
 * so they cannot clobber each other. See docs/executions.md for the format and why.
 */
import { mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import type { ExecutionEvent } from "../engine/events.js";
import type { ResumeState } from "../engine/resume.js";
import { resumeStateFromEvents } from "../engine/resume.js";
import { CapstanError } from "../errors.js";
import { toMs, type Duration } from "../duration.js";
import type { ExecutionSummary, RecordCreated, RecordLine, StoredExecution, StoredState, TriggerInfo } from "./types.js";
import { foldRecord } from "./fold.js";
import { parseLines, readLinesFrom, readRange } from "./jsonl.js";
import { HOST, isAlive, readLock } from "./lock.js";
import { Recorder, type SyncPolicy } from "./recorder.js";

export interface Retention {
  /** Finished records older than this are deleted. */
  maxAge?: Duration;
  /** Only the newest this many finished records are kept. */
  maxExecutions?: number;
}

export interface StoreOptions {
  /** The store's home directory. Default: `$CAPSTAN_HOME`, else `.capstan` in the current directory. */
  dir?: string;
  /** Default: `$CAPSTAN_RETENTION` (`30d`, `500`, or `30d,500`), else 30 days. */
  retention?: Retention;
  /** When lines are fdatasynced (see Recorder): `group` (default), `every`, or `none`. Default `$CAPSTAN_SYNC`. */
  sync?: SyncPolicy;
}

export interface BeginOptions {
  flowId: string;
  executionId?: string;
  flowFile?: string;
  inputs?: unknown;
  labels?: Readonly<Record<string, string>>;
  trigger: TriggerInfo;
  /**
   * Tells which step paths are declared `idempotent: false`, so their start is synced before they
   * run (see `unsafeSteps(flow.compile())`).
   */
  unsafeStep?: (path: string) => boolean;
}

export interface ListFilter {
  flowId?: string;
  state?: StoredState;
  /** Newest first; default all. */
  limit?: number;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** How often the file is checked for new lines. Default 100ms. */
  pollMs?: number;
}

const ID = /^[A-Za-z0-9][\w.-]{0,127}$/;
/** Records up to this size are read whole for a listing; bigger ones by head and tail. */
const WHOLE = 1 << 20;
const TAIL = 256 * 1024;
const PRUNE_EVERY_MS = 3_600_000;

export class ExecutionStore {
  readonly home: string;
  readonly dir: string;
  readonly retention: Retention;
  readonly sync: SyncPolicy;
  #lastPrune = 0;

  constructor(options: StoreOptions = {}) {
    this.home = resolve(options.dir ?? process.env.CAPSTAN_HOME ?? ".capstan");
    this.dir = join(this.home, "executions");
    this.retention = options.retention ?? retentionFromEnv(process.env.CAPSTAN_RETENTION);
    this.sync = options.sync ?? syncFromEnv(process.env.CAPSTAN_SYNC);
  }

  /** A recorder for a new execution; the record is created with its first event (or `open()`). */
  begin(options: BeginOptions): Recorder {
    const id = options.executionId ?? randomUUID();
    checkId(id);
    mkdirSync(this.dir, { recursive: true });
    this.#maybePrune();
    const header: RecordCreated = {
      type: "record.created",
      v: 1,
      executionId: id,
      flowId: options.flowId,
      ...(options.flowFile ? { flowFile: resolve(options.flowFile) } : {}),
      inputs: options.inputs ?? {},
      labels: { ...options.labels },
      trigger: options.trigger,
      time: Date.now(),
      host: HOST,
      pid: process.pid,
    };
    return new Recorder({ id, file: this.#file(id), lock: this.#lockFile(id), sync: this.sync, header, ...(options.unsafeStep ? { unsafeStep: options.unsafeStep } : {}) });
  }

  /** Takes over an interrupted execution to resume it: locks it and appends `record.resumed`. */
  reopen(id: string, rerun: readonly string[] = [], unsafeStep?: (path: string) => boolean): Recorder {
    checkId(id);
    return new Recorder({ id, file: this.#file(id), lock: this.#lockFile(id), sync: this.sync, rerun, ...(unsafeStep ? { unsafeStep } : {}) }).open();
  }

  /** The full id for an id or a unique prefix of one (as `capstan executions` prints them). */
  async resolveId(idOrPrefix: string): Promise<string> {
    if (ID.test(idOrPrefix) && (await exists(this.#file(idOrPrefix)))) return idOrPrefix;
    const ids = (await this.#ids()).filter((id) => id.startsWith(idOrPrefix));
    if (ids.length === 1) return ids[0]!;
    if (ids.length === 0) {
      throw new CapstanError("CAPSTAN_EXECUTION_NOT_FOUND", `no execution ${idOrPrefix} in ${this.home}`, {
        hint: "`capstan executions` lists them; set CAPSTAN_HOME if they were recorded elsewhere",
        retryable: false,
      });
    }
    throw new CapstanError("CAPSTAN_USAGE", `${idOrPrefix} matches ${ids.length} executions`, { hint: "give more characters of the id", retryable: false });
  }

  /** Every line of the record, in order (a torn last line dropped). */
  async lines(id: string): Promise<RecordLine[]> {
    checkId(id);
    return (await readLinesFrom<RecordLine>(this.#file(id))).lines;
  }

  /** The execution's events only, for `resumeStateFromEvents` and replays. */
  async events(id: string): Promise<ExecutionEvent[]> {
    return (await this.lines(id)).filter((l): l is ExecutionEvent => !l.type.startsWith("record."));
  }

  async get(idOrPrefix: string): Promise<StoredExecution> {
    const id = await this.resolveId(idOrPrefix);
    const read = await readLinesFrom<RecordLine>(this.#file(id));
    const ex = foldRecord(read.lines, { live: this.#live(id) }, read.torn);
    if (!ex) throw new CapstanError("CAPSTAN_EXECUTION_NOT_FOUND", `execution ${id} has no readable record`, { retryable: false });
    return ex;
  }

  /** Newest first. Reads each record's head and tail only, so big logs do not slow it down. */
  async list(filter: ListFilter = {}): Promise<ExecutionSummary[]> {
    const out: ExecutionSummary[] = [];
    for (const id of await this.#ids()) {
      const s = await this.#summary(id).catch(() => undefined);
      if (!s) continue;
      if (filter.flowId !== undefined && s.flowId !== filter.flowId) continue;
      if (filter.state !== undefined && s.state !== filter.state) continue;
      out.push(s);
    }
    out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  /** What a resumed run needs: finished steps' outputs and interrupted steps' checkpoints. */
  async resumeState(id: string, rerun: readonly string[] = []): Promise<ResumeState> {
    return resumeStateFromEvents(await this.events(id), rerun);
  }

  /**
   * Yields the record's lines as they are written, from the start, until the execution finishes
   * or nobody is running it any more (or `signal` aborts).
   */
  async *follow(idOrPrefix: string, options: FollowOptions = {}): AsyncGenerator<RecordLine> {
    const id = await this.resolveId(idOrPrefix);
    const pollMs = options.pollMs ?? 100;
    let offset = 0;
    let done = false;
    while (!options.signal?.aborted) {
      // Liveness is read before the file: a writer that finishes in between is caught next round.
      const live = this.#live(id);
      const read = await readLinesFrom<RecordLine>(this.#file(id), offset);
      offset = read.end;
      for (const line of read.lines) {
        if (line.type === "execution.finished") done = true;
        else if (line.type === "record.resumed") done = false;
        yield line;
      }
      if (done || (!live && read.lines.length === 0)) return;
      await delay(pollMs, options.signal);
    }
  }

  /** Deletes finished (or abandoned) records past the retention; returns how many. */
  prune(now = Date.now()): number {
    const maxAge = this.retention.maxAge === undefined ? Infinity : toMs(this.retention.maxAge, "retention.maxAge");
    const max = this.retention.maxExecutions ?? Infinity;
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith(".jsonl"));
    } catch {
      return 0;
    }
    const files = names
      .map((n) => {
        try {
          return { id: n.slice(0, -6), mtime: statSync(join(this.dir, n)).mtimeMs };
        } catch {
          return undefined;
        }
      })
      .filter((f): f is { id: string; mtime: number } => f !== undefined && !this.#live(f.id))
      .sort((a, b) => b.mtime - a.mtime);
    let removed = 0;
    files.forEach((f, i) => {
      if (i < max && now - f.mtime <= maxAge) return;
      try {
        unlinkSync(this.#file(f.id));
        removed++;
      } catch {
        // Removed concurrently by another process's prune.
      }
    });
    return removed;
  }

  #maybePrune(): void {
    const now = Date.now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    this.prune(now);
  }

  async #summary(id: string): Promise<ExecutionSummary | undefined> {
    const file = this.#file(id);
    const { size } = await stat(file);
    const live = this.#live(id);
    if (size <= WHOLE) {
      const read = await readLinesFrom<RecordLine>(file);
      const ex = foldRecord(read.lines, { live });
      return ex && toSummary(ex);
    }
    const head = parseLines<RecordLine>(await readRange(file, 0, 64 * 1024)).lines[0] ?? (await readLinesFrom<RecordLine>(file)).lines[0];
    if (!head) return undefined;
    const tailBuf = await readRange(file, size - TAIL, TAIL);
    // The tail starts mid-line: skip to the first newline.
    const tail = parseLines<RecordLine>(tailBuf.subarray(tailBuf.indexOf(0x0a) + 1)).lines;
    // A record this big has started, even when its execution.started is not in the tail.
    const started: RecordLine = { type: "execution.started", executionId: id, time: head.type === "record.created" ? head.time : 0, flowId: "", labels: {} };
    const ex = foldRecord([head, started, ...tail.filter((l) => l.type !== "log" && l.type !== "step.finished")], { live });
    return ex && toSummary(ex);
  }

  async #ids(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith(".jsonl")).map((n) => n.slice(0, -6));
    } catch {
      return [];
    }
  }

  #live(id: string): boolean {
    const lock = readLock(this.#lockFile(id));
    return lock !== undefined && isAlive(lock);
  }

  #file(id: string): string {
    return join(this.dir, `${id}.jsonl`);
  }

  #lockFile(id: string): string {
    return join(this.dir, `${id}.lock`);
  }
}

function toSummary(ex: StoredExecution): ExecutionSummary {
  return {
    id: ex.id,
    flowId: ex.flowId,
    state: ex.state,
    trigger: ex.trigger,
    labels: ex.labels,
    createdAt: ex.createdAt,
    ...(ex.endedAt !== undefined ? { endedAt: ex.endedAt } : {}),
    ...(ex.durationMs !== undefined ? { durationMs: ex.durationMs } : {}),
    ...(ex.error ? { error: ex.error } : {}),
  };
}

/** `30d`, `500` (executions) or both, comma-separated. */
export function retentionFromEnv(value: string | undefined): Retention {
  if (!value) return { maxAge: "30d" };
  const out: Retention = {};
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    if (/^\d+$/.test(part)) out.maxExecutions = Number(part);
    else {
      toMs(part, "CAPSTAN_RETENTION");
      out.maxAge = part;
    }
  }
  return out;
}

function syncFromEnv(value: string | undefined): SyncPolicy {
  if (value === undefined || value === "") return "group";
  if (value === "group" || value === "every" || value === "none") return value;
  throw new CapstanError("CAPSTAN_USAGE", `CAPSTAN_SYNC=${value} is not a sync policy`, { hint: 'use "group" (default), "every" or "none"', retryable: false });
}

function checkId(id: string): void {
  if (!ID.test(id)) throw new CapstanError("CAPSTAN_USAGE", `execution id ${JSON.stringify(id)} is not valid`, { hint: "ids are letters, digits, '.', '_' and '-'", retryable: false });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveDelay) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolveDelay();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
