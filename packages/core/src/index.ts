/**
 * @capstan/core: the typed flow DSL, the DAG compiler and the in-process engine.
 *
 * @example
 * import { flow, defineTask } from "@capstan/core";
 * import { z } from "zod";
 *
 * const greet = defineTask({ type: "example.greet", input: z.object({ name: z.string() }), run: ({ name }) => ({ text: `hi ${name}` }) });
 * const hello = flow({ id: "hello", inputs: z.object({ names: z.array(z.string()) }) })
 *   .forEach("each", ({ inputs }) => inputs.names, { concurrency: 4 }, (b) => b.step("greet", greet(({ item }) => ({ name: item }))));
 * const execution = await hello.run({ inputs: { names: ["a", "b"] } });
 * execution.outputs?.each[1]?.greet.text; // "hi b"
 *
 * @module
 */
export { flow } from "./dsl/flow.js";
export type { AnyFlow, FlowConfig } from "./dsl/flow.js";
export { FlowBuilder } from "./dsl/builder.js";
export type { FlowMeta, ForEachConfig } from "./dsl/builder.js";
export type { Ctx, ExecutionInfo, FailureInfo, Logger, LogFields, ErrorExtra } from "./dsl/context.js";
export type { RetryPolicy, StepOptions, ForEachOptions } from "./dsl/nodes.js";
export type { IfResult, ItemOutcome, TypeError } from "./dsl/types.js";
export { defineTask, isTask } from "./task/define.js";
export type { Task, TaskContext, TaskDefinition, TaskFactory, Lazy } from "./task/define.js";
export { secret, isSecretRef, envSecrets, staticSecrets } from "./runtime/secrets.js";
export type { SecretRef, SecretProvider, WithSecrets } from "./runtime/secrets.js";
export { MemoryArtifactStore, scopedUri } from "./runtime/storage.js";
export type { ArtifactStore, ArtifactInfo } from "./runtime/storage.js";
export { ScopedArtifactStore, contentTypeFor } from "./runtime/storage.js";
export type { ArtifactData } from "./runtime/storage.js";
export { LocalArtifactStore, defaultStorageDir } from "./runtime/local-store.js";
export { fileSecrets, dirSecrets } from "./runtime/secret-files.js";
export type { FileSecretsOptions, DirSecretsOptions } from "./runtime/secret-files.js";
export { registerSecretProvider, defaultSecretProviders } from "./runtime/secret-defaults.js";
export { markSecret, markSecretAs, registeredAs, logStream, maskStream } from "./runtime/masking.js";
export type { LogStream } from "./runtime/masking.js";
export { Masker, StreamMasker } from "./engine/mask.js";
export { fetchWithRetry, parseRetryAfter, describeRequest, requestError, DEFAULT_RETRY_ON } from "./runtime/fetch.js";
export type { HttpRetryPolicy, FetchResult } from "./runtime/fetch.js";
export type { RunOptions } from "./engine/run.js";
export { resumeStateFromEvents, ResumeUnsafeError } from "./engine/resume.js";
export type { ResumeState, ResumedAttempt } from "./engine/resume.js";
export type { Execution, StepRecord, LogRecord, ItemFailure } from "./engine/records.js";
export type { ExecutionEvent, ExecutionState, StepState, LogLevel, ErrorInfo, EventListener } from "./engine/events.js";
export type { GraphJSON, GraphNodeJSON } from "./graph/json.js";
export { toMermaid, toDot } from "./graph/render.js";
export type { Duration } from "./duration.js";
export { toMs } from "./duration.js";
export {
  CapstanError,
  FlowDefinitionError,
  InputError,
  TaskInputError,
  TaskOutputError,
  StepTimeoutError,
  StepFailedError,
  CancelledError,
} from "./errors.js";
export type { ErrorCode, Issue } from "./errors.js";
export { main, isMain } from "./runner/main.js";
export { runCli, runWithFlags, addRunOptions, formatError, EXIT } from "./runner/cli.js";
export { loadServices } from "./runner/inputs.js";
export type { CliIO, RunCliOptions, RunFlags } from "./runner/cli.js";
export { ExecutionStore, Recorder, retentionFromEnv, resumePlan, restartPlan, unsafeSteps } from "./store/index.js";
export type {
  StoreOptions,
  Retention,
  BeginOptions,
  ListFilter,
  FollowOptions,
  SyncPolicy,
  ResumePlan,
  TriggerInfo,
  RecordLine,
  StoredExecution,
  StoredStep,
  StoredLog,
  StoredState,
  ExecutionSummary,
} from "./store/index.js";
export { schedule, webhook, after, manual, isTrigger, triggerJSON } from "./triggers/index.js";
export type { Trigger, ScheduleTrigger, WebhookTrigger, AfterTrigger, ManualTrigger, CatchUp, Overlap, UpstreamExecution, TriggerJSON, ScheduleOptions, WebhookOptions, AfterOptions } from "./triggers/index.js";
export { createReporter } from "./reporter/reporters.js";
export type { Reporter, ReporterKind } from "./reporter/reporters.js";
export { summary } from "./reporter/summary.js";
