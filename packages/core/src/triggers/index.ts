/**
 * Triggers: how a flow starts besides `capstan run`. Declared on the flow (`flow({ triggers })`),
 * shown by `graph()`, and acted on by `capstan serve` (@capstan/server): cron schedules with
 * catch-up and overlap policies, authenticated webhooks, chaining after another flow, manual.
 */
export { schedule, webhook, after, manual } from "./define.js";
export type { ScheduleOptions, WebhookOptions, AfterOptions } from "./define.js";
export { isTrigger } from "./types.js";
export type { Trigger, ScheduleTrigger, WebhookTrigger, AfterTrigger, ManualTrigger, CatchUp, Overlap, UpstreamExecution } from "./types.js";
export { triggerJSON } from "./json.js";
export type { TriggerJSON } from "./json.js";
