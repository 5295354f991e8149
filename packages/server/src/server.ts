/**
 * `capstan serve` as a library: loads flows, runs their schedules, serves their webhooks (and
 * keyed manual triggers), chains `after` triggers, limits concurrency per flow, and shuts down
 * gracefully.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  CapstanError,
  ExecutionStore,
  envSecrets,
  type AfterTrigger,
  type Execution,
  type RunOptions,
  type SecretProvider,
  type SecretRef,
  type TriggerInfo,
} from "@capstan/core";
import { systemClock, type Clock } from "./clock.js";
import type { LoadedFlow } from "./load.js";
import { ExecutionRunner, checkInputs, type ConcurrencyLimit, type Started } from "./runner.js";
import { Scheduler, cronFor, type ScheduleEntry } from "./scheduler.js";
import { httpHandler, type Endpoint } from "./http.js";
import { keyDigest } from "./auth.js";

export interface ServeOptions {
  flows: readonly LoadedFlow[];
  store?: ExecutionStore;
  /** Default 127.0.0.1: expose webhooks beyond this machine on purpose (`--host 0.0.0.0`). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  clock?: Clock;
  /** Resolve webhook and manual keys, and the flows' secrets. Default: keys from the environment, runs with the engine's default providers. */
  secrets?: readonly SecretProvider[];
  services?: RunOptions<unknown>["services"];
  /** Per flow id. */
  concurrency?: Readonly<Record<string, ConcurrencyLimit>>;
  /** For flows without their own limit. Default: unlimited. */
  defaultConcurrency?: ConcurrencyLimit;
  /** How long `shutdown()` lets running executions finish. Default 30s. */
  shutdownGraceMs?: number;
  /** Longest a webhook `wait` request is held. Default 5 minutes. */
  waitTimeoutMs?: number;
  log?: (line: string) => void;
}

export class CapstanServer {
  readonly url: string;
  readonly runner: ExecutionRunner;
  readonly scheduler: Scheduler;
  readonly store: ExecutionStore;
  readonly #http: Server;
  readonly #flows: ReadonlyMap<string, LoadedFlow>;
  readonly #graceMs: number;
  #shutdown: Promise<{ finished: number; suspended: string[] }> | undefined;

  private constructor(parts: { url: string; runner: ExecutionRunner; scheduler: Scheduler; store: ExecutionStore; http: Server; flows: ReadonlyMap<string, LoadedFlow>; graceMs: number }) {
    this.url = parts.url;
    this.runner = parts.runner;
    this.scheduler = parts.scheduler;
    this.store = parts.store;
    this.#http = parts.http;
    this.#flows = parts.flows;
    this.#graceMs = parts.graceMs;
  }

  static async start(o: ServeOptions): Promise<CapstanServer> {
    const log = o.log ?? (() => {});
    const store = o.store ?? new ExecutionStore();
    const secrets = o.secrets ?? [envSecrets()];
    const flows = new Map<string, LoadedFlow>();
    for (const lf of o.flows) {
      if (flows.has(lf.flow.id)) throw invalid(`two flows have the id "${lf.flow.id}"`);
      flows.set(lf.flow.id, lf);
    }
    const schedules: ScheduleEntry[] = [];
    const endpoints = new Map<string, Endpoint>();
    const downstream = new Map<string, { entry: LoadedFlow; trigger: AfterTrigger }[]>();
    for (const entry of flows.values()) {
      for (const t of entry.flow.meta.triggers ?? []) {
        if (t.type === "schedule") {
          cronFor(t, entry.flow.id);
          if (t.inputs !== undefined && typeof t.inputs !== "function") await checkInputs(entry.flow, t.inputs);
          schedules.push({ entry, trigger: t });
        } else if (t.type === "webhook") {
          const path = `webhooks/${t.path}`;
          if (endpoints.has(path)) throw invalid(`two webhooks use the path "${t.path}" (flows "${endpoints.get(path)!.entry.flow.id}" and "${entry.flow.id}")`);
          endpoints.set(path, { entry, key: keyDigest(await resolveKey(secrets, t.key, entry.flow.id)), wait: t.wait, maxBodyBytes: t.maxBodyBytes, trigger: { type: "webhook", path: t.path } });
        } else if (t.type === "after") {
          if (!flows.has(t.flowId)) throw invalid(`flow "${entry.flow.id}" runs after "${t.flowId}", but no loaded flow has that id`, `load the file that defines "${t.flowId}" too`);
          downstream.set(t.flowId, [...(downstream.get(t.flowId) ?? []), { entry, trigger: t }]);
        } else if (t.type === "manual" && t.key) {
          endpoints.set(`flows/${entry.flow.id}/executions`, { entry, key: keyDigest(await resolveKey(secrets, t.key, entry.flow.id)), wait: false, maxBodyBytes: 1 << 20, trigger: { type: "manual", via: "http" } });
        }
      }
    }

    let runner!: ExecutionRunner;
    const onFinished = async (entry: LoadedFlow, ex: Execution) => {
      const matching = (downstream.get(entry.flow.id) ?? []).filter(({ trigger: { on } }) => on === "any" || (on === "success" ? ex.state === "SUCCESS" : ex.state === "FAILED"));
      await Promise.all(matching.map((d) => chain(runner, d.entry, d.trigger, ex, log)));
    };
    runner = new ExecutionRunner({
      store,
      ...(o.concurrency ? { limits: o.concurrency } : {}),
      ...(o.defaultConcurrency ? { defaultLimit: o.defaultConcurrency } : {}),
      // Without explicit providers, runs use the engine's defaults (which include the environment).
      run: { ...(o.secrets ? { secrets: o.secrets } : {}), ...(o.services ? { services: o.services } : {}) },
      onFinished,
      log,
    });
    const clock = o.clock ?? systemClock;
    const scheduler = new Scheduler(schedules, {
      clock,
      statePath: join(store.home, "schedules.json"),
      log,
      fire: async (s, at, catchUp) => {
        const inputs = typeof s.trigger.inputs === "function" ? await s.trigger.inputs({ scheduledAt: at }) : (s.trigger.inputs ?? {});
        const trigger: TriggerInfo = { type: "schedule", cron: s.trigger.cron, ...(s.trigger.timezone ? { timezone: s.trigger.timezone } : {}), scheduledAt: at.toISOString(), ...(catchUp ? { catchUp: true } : {}) };
        const started = await runner.start({ entry: s.entry, inputs, trigger });
        log(`${s.entry.flow.id}: scheduled run for ${at.toISOString()}: execution ${started.executionId} ${started.state.toLowerCase()}`);
        return started;
      },
    });

    const http = createServer(httpHandler({ endpoints, runner, waitTimeoutMs: o.waitTimeoutMs ?? 300_000, log }));
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(o.port ?? 8080, o.host ?? "127.0.0.1", () => resolve());
    });
    const addr = http.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    scheduler.start();
    return new CapstanServer({ url: `http://${host}:${addr.port}`, runner, scheduler, store, http, flows, graceMs: o.shutdownGraceMs ?? 30_000 });
  }

  /** Starts a flow by id, as a manual trigger through the API. */
  async run(flowId: string, inputs: unknown = {}): Promise<Started> {
    const entry = this.#flows.get(flowId);
    if (!entry) throw new CapstanError("CAPSTAN_USAGE", `no loaded flow has the id "${flowId}"`, { retryable: false });
    return this.runner.start({ entry, inputs, trigger: { type: "manual", via: "api" } });
  }

  /** Resolves once no execution runs or waits. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /**
   * Graceful shutdown: stops the scheduler and refuses new requests, lets running executions
   * finish for up to `graceMs`, and leaves the rest (and queued ones) resumable.
   */
  shutdown(graceMs = this.#graceMs): Promise<{ finished: number; suspended: string[] }> {
    this.#shutdown ??= (async () => {
      this.scheduler.stop();
      const closed = new Promise<void>((r) => this.#http.close(() => r()));
      this.#http.closeIdleConnections();
      const result = await this.runner.shutdown(graceMs);
      this.#http.closeAllConnections();
      await closed;
      return result;
    })();
    return this.#shutdown;
  }
}

export function serve(options: ServeOptions): Promise<CapstanServer> {
  return CapstanServer.start(options);
}

async function chain(runner: ExecutionRunner, entry: LoadedFlow, t: AfterTrigger, up: Execution, log: (line: string) => void): Promise<void> {
  if (runner.stopping) return;
  const upstream = { executionId: up.id, flowId: up.flowId, state: up.state, ...(up.error ? { error: up.error } : {}) };
  try {
    const inputs = t.inputs ? await t.inputs(up.state === "SUCCESS" ? up.outputs : undefined, upstream) : {};
    const started = await runner.start({ entry, inputs, trigger: { type: "after", flowId: up.flowId, executionId: up.id, state: up.state } });
    log(`${entry.flow.id}: started after ${up.flowId} ${up.state.toLowerCase()} (${up.id}): execution ${started.executionId}`);
  } catch (e) {
    log(`${entry.flow.id}: not started after ${up.flowId} (${up.id}): ${(e as Error).message}`);
  }
}

async function resolveKey(providers: readonly SecretProvider[], ref: SecretRef, flowId: string): Promise<string> {
  for (const p of providers) {
    const v = await p.get(ref.name);
    if (v !== undefined && v !== "") return v;
  }
  throw new CapstanError("CAPSTAN_SECRET_MISSING", `flow "${flowId}": the trigger key ${String(ref)} is not set`, {
    hint: `provide it through a secret provider, e.g. the environment variable CAPSTAN_SECRET_${ref.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`,
    retryable: false,
  });
}

function invalid(message: string, hint = "see docs/triggers.md"): CapstanError {
  return new CapstanError("CAPSTAN_FLOW_INVALID", message, { hint, retryable: false });
}
