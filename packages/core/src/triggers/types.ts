/** What a flow declares about how it starts; `capstan serve` acts on these, `graph()` shows them. */
import type { SecretRef } from "../runtime/secrets.js";
import type { ErrorInfo, ExecutionState } from "../engine/events.js";

/** Marks trigger objects so `flow({ triggers })` can tell them from look-alikes. */
export const TRIGGER: unique symbol = Symbol.for("capstan.trigger") as never;

export type CatchUp = "all" | "last" | "none";
/** What a schedule does when its previous run is still going: skip the new one, queue it, or run both. */
export type Overlap = "skip" | "queue" | "allow";

export interface ScheduleTrigger<TIn = any> {
  readonly [TRIGGER]: true;
  readonly type: "schedule";
  /** Five fields (minute first) or six (seconds first). */
  readonly cron: string;
  /** IANA zone the cron is read in (`Europe/Berlin`); default the server's. */
  readonly timezone?: string;
  readonly inputs?: TIn | ((ctx: { scheduledAt: Date }) => TIn);
  /** Runs missed while no server was running: every one, only the latest, or none. */
  readonly catchUp: CatchUp;
  readonly overlap: Overlap;
}

export interface WebhookTrigger {
  readonly [TRIGGER]: true;
  readonly type: "webhook";
  /** Served at `POST /webhooks/<path>`. */
  readonly path: string;
  /** Callers send it as `Authorization: Bearer <key>` or `X-Capstan-Key: <key>`. */
  readonly key: SecretRef;
  /** Respond when the execution ends, with its outputs (a request can also ask with `?wait=true`). */
  readonly wait: boolean;
  readonly maxBodyBytes: number;
}

export interface UpstreamExecution {
  readonly executionId: string;
  readonly flowId: string;
  readonly state: ExecutionState;
  readonly error?: ErrorInfo;
}

export interface AfterTrigger<TIn = any, TOut = any> {
  readonly [TRIGGER]: true;
  readonly type: "after";
  readonly flowId: string;
  readonly on: "success" | "failure" | "any";
  /** Maps the upstream execution's outputs (undefined unless it succeeded) to this flow's inputs. */
  readonly inputs?: (outputs: TOut | undefined, upstream: UpstreamExecution) => TIn | Promise<TIn>;
}

export interface ManualTrigger {
  readonly [TRIGGER]: true;
  readonly type: "manual";
  /** With a key, `capstan serve` also accepts runs at `POST /flows/<id>/executions`. */
  readonly key?: SecretRef;
}

export type Trigger<TIn = any> = ScheduleTrigger<TIn> | WebhookTrigger | AfterTrigger<TIn> | ManualTrigger;

export function isTrigger(value: unknown): value is Trigger {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TRIGGER] === true;
}
