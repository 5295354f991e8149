/**
 * Every container's log, live, in the execution log: one follower per container (see
 * container-log.ts), each line prefixed with `[container] ` and masked for secrets. Lines that
 * carry a `::{"outputs":...}::` directive set `vars` instead of being logged. The last lines of
 * each container are kept for error messages. The read positions (and the vars read so far) are
 * checkpointed right after each read's lines are logged, in the same tick. A process killed in
 * between leaves lines after its last checkpoint: the resumed step reads them again from that
 * checkpoint and the engine skips the ones the record has (ResumedAttempt.logsAfterCheckpoint), so
 * the execution log has every line once, in order.
 */
import { logStream, type LogStream, type TaskContext } from "@capstan/core";
import type { KubeClient } from "../../client/client.js";
import { KubernetesError } from "../../errors.js";
import { ContainerLog, type ContainerProbe } from "./container-log.js";
import { LogCursor, type CursorState } from "./log-cursor.js";
import { parseDirective } from "./outputs.js";

interface PodLike {
  metadata?: { uid?: string };
  spec?: { restartPolicy?: string; initContainers?: { name: string; restartPolicy?: string }[] };
  status?: {
    phase?: string;
    containerStatuses?: StatusLike[];
    initContainerStatuses?: StatusLike[];
  };
}
interface StatusLike {
  name: string;
  restartCount?: number;
  state?: { terminated?: { exitCode?: number } };
}

/** What a checkpoint keeps per container: where its log was read to, and the vars it had set. */
export interface ContainerCheckpoint extends CursorState {
  vars?: Record<string, unknown>;
}

export interface PodLogsOptions {
  client: KubeClient;
  namespace: string;
  pod: string;
  uid: string | undefined;
  ctx: Pick<TaskContext, "log">;
  signal: AbortSignal;
  /** Read positions (and vars) from a checkpoint: continue there instead of from the start. */
  cursors?: Record<string, ContainerCheckpoint> | undefined;
  /**
   * Called after each read that brought new lines, once they are logged (to checkpoint
   * `cursors()`). A throttled checkpoint would lag behind the log, and a process killed in between
   * would leave lines that a resumed run logs again.
   */
  onProgress?: () => void;
  /** Lines kept per container for error messages. Default 20. */
  keepLines?: number;
}

export class PodLogs {
  /** Values set by `::{"outputs":{...}}::` lines, later lines winning. */
  readonly vars: Record<string, unknown> = {};
  readonly #o: PodLogsOptions;
  readonly #followers = new Map<string, { log: ContainerLog; cursor: LogCursor; tail: string[]; out: LogStream; vars: Record<string, unknown> }>();

  constructor(options: PodLogsOptions) {
    this.#o = options;
    // Values the interrupted run had read: their lines are before the cursors, not read again.
    for (const c of Object.values(options.cursors ?? {})) Object.assign(this.vars, c.vars);
  }

  /** Starts following a container (once; later calls are no-ops). */
  follow(container: string): void {
    if (this.#followers.has(container) || this.#o.signal.aborted) return;
    const { ctx } = this.#o;
    const cursor = new LogCursor(this.#o.cursors?.[container]);
    const vars: Record<string, unknown> = { ...this.#o.cursors?.[container]?.vars };
    const tail: string[] = [];
    const keep = this.#o.keepLines ?? 20;
    const prefix = `[${container}] `;
    const stream = logStream(ctx, { prefix });
    // The lines of one read chunk go to the log stream in one write (not one per line): it splits
    // and masks them once. Written before a directive's own log lines and before each checkpoint,
    // so the order and the checkpoint's position stay exact.
    let batch = "";
    const flush = () => {
      if (batch) stream.write(batch);
      batch = "";
    };
    let ended = false;
    const out: LogStream = {
      write: (chunk) => {
        flush();
        stream.write(chunk);
      },
      end: () => {
        flush();
        if (!ended) (ended = true), stream.end();
      },
    };
    let fresh = false;
    const onLine = (text: string) => {
      fresh = true;
      const directive = text.includes("::{") ? parseDirective(text) : undefined;
      if (directive) {
        flush();
        Object.assign(this.vars, directive.outputs);
        Object.assign(vars, directive.outputs);
        for (const l of directive.logs ?? []) ctx.log[l.level](prefix + l.message);
      } else {
        batch += `${text}\n`;
        tail.push(text);
        // Trimmed in batches (amortised O(1) per line); lastLines() returns the newest `keep`.
        if (tail.length >= 2 * keep) tail.splice(0, tail.length - keep);
      }
    };
    const onChunk = () => {
      flush();
      if (!fresh) return;
      fresh = false;
      this.#o.onProgress?.();
    };
    const log = new ContainerLog({
      client: this.#o.client,
      namespace: this.#o.namespace,
      pod: this.#o.pod,
      container,
      cursor,
      onLine,
      onChunk,
      probe: () => this.#probe(container),
      signal: this.#o.signal,
      onGiveUp: (err) => ctx.log.warn(`${prefix}the end of this container's log could not be read: ${(err as Error)?.message ?? String(err)}`),
    });
    this.#followers.set(container, { log, cursor, tail, out, vars });
  }

  following(container: string): boolean {
    return this.#followers.has(container);
  }

  /** Waits until these containers' logs are read to the end (they have terminated). */
  async drain(containers: readonly string[]): Promise<void> {
    await Promise.all(containers.map((c) => this.#followers.get(c)?.log.done));
    for (const c of containers) this.#followers.get(c)?.out.end();
  }

  /**
   * Stops following every container after a last read of what is there (sidecars, a pod going
   * away); `graceMs` lets open streams end by themselves first.
   */
  async finish(graceMs = 0): Promise<void> {
    await Promise.all([...this.#followers.values()].map((f) => f.log.finish(graceMs)));
    for (const f of this.#followers.values()) f.out.end();
  }

  lastLines(container: string): readonly string[] {
    const f = this.#followers.get(container);
    return f ? f.tail.slice(-(this.#o.keepLines ?? 20)) : [];
  }

  lineCount(container: string): number {
    return this.#followers.get(container)?.log.lines ?? 0;
  }

  /** Per container: where its log was read to, and the vars its lines set (for a checkpoint). */
  cursors(): Record<string, ContainerCheckpoint> {
    const out: Record<string, ContainerCheckpoint> = { ...this.#o.cursors };
    for (const [name, f] of this.#followers) {
      const s = f.cursor.state;
      if (s) out[name] = Object.keys(f.vars).length ? { ...s, vars: { ...f.vars } } : s;
    }
    return out;
  }

  async #probe(container: string): Promise<ContainerProbe | undefined> {
    const { client, namespace, pod, uid, signal } = this.#o;
    let obj: PodLike;
    try {
      obj = await client.json<PodLike>("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`, { signal, retry: false });
    } catch (err) {
      if (err instanceof KubernetesError && err.httpStatus === 404) return { gone: true, terminated: true, restartCount: 0 };
      throw err;
    }
    if (uid && obj.metadata?.uid !== uid) return { gone: true, terminated: true, restartCount: 0 };
    return probeContainer(obj, container);
  }
}

/**
 * Whether a container has run for the last time: terminated, and not about to restart (its restart
 * policy is Never, or OnFailure and it succeeded, or the pod itself has finished).
 */
export function probeContainer(pod: PodLike, container: string): ContainerProbe {
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s) => s.name === container);
  const terminated = status?.state?.terminated;
  const policy = pod.spec?.initContainers?.find((c) => c.name === container)?.restartPolicy ?? pod.spec?.restartPolicy ?? "Always";
  const podDone = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
  const last = terminated !== undefined && (podDone || policy === "Never" || (policy === "OnFailure" && terminated.exitCode === 0));
  return { gone: false, terminated: last, restartCount: status?.restartCount ?? 0 };
}
