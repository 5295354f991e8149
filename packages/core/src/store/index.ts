/**
 * The execution store: every run's record (inputs, labels, trigger, steps with attempts, timings,
 * outputs and errors, the full log) in an embedded, crash-safe, append-only file per execution,
 * and the plans `capstan resume` and `capstan restart` build from it.
 *
 * @example
 * const store = new ExecutionStore();                       // .capstan/ or $CAPSTAN_HOME
 * const rec = store.begin({ flowId: f.id, inputs, trigger: { type: "manual", via: "api" } });
 * const ex = await f.run({ inputs, executionId: rec.id, onEvent: rec.onEvent });
 * rec.complete(ex);
 * (await store.list({ state: "FAILED" })).map((e) => e.id);
 */
export { ExecutionStore, retentionFromEnv } from "./store.js";
export type { StoreOptions, Retention, BeginOptions, ListFilter, FollowOptions } from "./store.js";
export { Recorder } from "./recorder.js";
export type { SyncPolicy } from "./recorder.js";
export { resumePlan, restartPlan, nodeChain, unsafeSteps } from "./plan.js";
export type { ResumePlan } from "./plan.js";
export type {
  TriggerInfo,
  RecordLine,
  RecordCreated,
  StoredExecution,
  StoredStep,
  StoredLog,
  StoredState,
  StoredStepState,
  ExecutionSummary,
} from "./types.js";
