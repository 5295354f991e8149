import type { z } from "zod";
import { FlowBuilder } from "./builder.js";
import type { Unset } from "./types.js";
import { CapstanError } from "../errors.js";
import type { Trigger } from "../triggers/types.js";
import { isTrigger } from "../triggers/types.js";

export interface FlowConfig<S extends z.ZodType | undefined> {
  /** Stable id: names the flow in graphs, executions and triggers. */
  id: string;
  description?: string;
  /** Parsed before any step runs; `ctx.inputs` has its output type. */
  inputs?: S;
  labels?: Record<string, string>;
  /** How the flow starts under `capstan serve`: schedule(), webhook(), after(), manual(). */
  triggers?: readonly Trigger<InOf<S>>[];
}

type InOf<S> = S extends z.ZodType ? z.input<S> : Record<string, never>;
type OutOf<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/**
 * Starts a flow definition.
 *
 * @example
 * export default flow({ id: "rotate", inputs: z.object({ deployments: z.array(z.string()) }) })
 *   .step("rotate", vault.write({ path: "database/rotate-role/app" }))
 *   .forEach("restart", ({ inputs }) => inputs.deployments, { concurrency: 5 }, (each) => each
 *     .step("restart", ({ item }) => kubectl.restart({ kind: "Deployment", name: item, wait: true })));
 */
export function flow<const S extends z.ZodType | undefined = undefined>(config: FlowConfig<S>): FlowBuilder<InOf<S>, OutOf<S>, {}, never, {}, Unset> {
  if (typeof config !== "object" || config === null || typeof config.id !== "string" || !/^[A-Za-z][\w.-]*$/.test(config.id)) {
    throw new CapstanError("CAPSTAN_FLOW_INVALID", `flow id ${JSON.stringify(config?.id)} is not valid`, {
      hint: 'give the flow an id of letters, digits, ".", "_" and "-", starting with a letter, e.g. flow({ id: "rotate-secrets" })',
      retryable: false,
    });
  }
  if (config.inputs !== undefined && (typeof config.inputs !== "object" || typeof (config.inputs as { safeParseAsync?: unknown }).safeParseAsync !== "function")) {
    throw new CapstanError("CAPSTAN_FLOW_INVALID", `flow "${config.id}": inputs must be a zod schema, e.g. z.object({ namespace: z.string() })`, { retryable: false });
  }
  if (config.triggers !== undefined && (!Array.isArray(config.triggers) || !config.triggers.every(isTrigger))) {
    throw new CapstanError("CAPSTAN_FLOW_INVALID", `flow "${config.id}": triggers must be a list of schedule(), webhook(), after() or manual()`, { retryable: false });
  }
  const meta = { id: config.id, ...(config.description ? { description: config.description } : {}), ...(config.inputs ? { inputs: config.inputs } : {}), ...(config.labels ? { labels: config.labels } : {}), ...(config.triggers?.length ? { triggers: Object.freeze([...config.triggers]) } : {}) };
  return new FlowBuilder(undefined, { meta });
}

/** Any root flow, for APIs that accept flows (runners, CLI, test helpers). */
export type AnyFlow = FlowBuilder<any, any, any, any, any, any>;
