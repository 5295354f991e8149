/**
 * @capstan/server: what `capstan serve` runs. Loads flows and acts on their triggers: cron
 * schedules (catch-up and overlap policies, injectable clock), webhooks (keyed, size-capped,
 * inputs checked by the flow's schema), `after` chaining, keyed manual runs; per-flow concurrency
 * limits; graceful shutdown that leaves unfinished executions resumable.
 *
 * @example
 * import { loadFlows, serve } from "@capstan/server";
 * const server = await serve({ flows: await loadFlows(["flows/"]), port: 8080 });
 * process.on("SIGTERM", () => void server.shutdown().then(() => process.exit(0)));
 *
 * @module
 */
export { serve, CapstanServer } from "./server.js";
export type { ServeOptions } from "./server.js";
export { loadFlows } from "./load.js";
export type { LoadedFlow } from "./load.js";
export { ExecutionRunner } from "./runner.js";
export type { ConcurrencyLimit, Started, StartRequest } from "./runner.js";
export { Scheduler } from "./scheduler.js";
export { ManualClock, systemClock } from "./clock.js";
export type { Clock } from "./clock.js";
