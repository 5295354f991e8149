/**
 * @capstan/core/internal: instrumentation for Capstan's own test suite (the secret canary). Not a
 * public API: it may change in any release.
 *
 * @module
 */
export { observeExecutions, observerCount } from "./engine/observe.js";
export type { ExecutionObserver, SettledExecution, ClosedRecord } from "./engine/observe.js";
export { SecretCanary, needlesFor } from "./engine/canary.js";
export type { Leak } from "./engine/canary.js";
export { CANARY_ENV } from "./engine/canary-env.js";
export type { RegisteredSecret } from "./engine/mask.js";
