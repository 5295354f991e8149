/** The DAG as plain JSON: what `capstan graph --format json` prints. Holds no parameter values, so no secrets. */
import type { z } from "zod";
import type { CompiledFlow, CompiledNode, CompiledScope } from "./compile.js";
import { triggerJSON, type TriggerJSON } from "../triggers/json.js";

export interface GraphNodeJSON {
  id: string;
  kind: "step" | "forEach" | "if" | "parallel";
  /** Task type (`kubernetes.apply`), or `function` for a function step. */
  task?: string;
  needs: string[];
  description?: string;
  options?: {
    retry?: { attempts: number; backoff: string; delayMs: number; maxDelayMs: number; jitter: number };
    timeoutMs?: number;
    allowFailure?: boolean;
    concurrency?: number | "Infinity" | "dynamic";
    onItemError?: "fail" | "continue";
  };
  body?: GraphNodeJSON[];
  errors?: GraphNodeJSON[];
  then?: GraphNodeJSON[];
  else?: GraphNodeJSON[];
  branches?: Record<string, GraphNodeJSON[]>;
}

export interface GraphJSON {
  id: string;
  description?: string;
  labels?: Record<string, string>;
  /** JSON Schema of the flow's inputs. */
  inputs?: unknown;
  /** How the flow starts under `capstan serve`. */
  triggers?: TriggerJSON[];
  nodes: GraphNodeJSON[];
  errors?: GraphNodeJSON[];
  finally?: GraphNodeJSON[];
}

export function graphJSON(compiled: CompiledFlow): GraphJSON {
  const meta = compiled.root.meta;
  const out: GraphJSON = { id: meta.id, nodes: scopeJSON(compiled.main) };
  if (meta.description) out.description = meta.description;
  if (meta.labels) out.labels = { ...meta.labels };
  if (meta.inputs) out.inputs = inputsJSONSchema(meta.inputs);
  if (meta.triggers?.length) out.triggers = meta.triggers.map(triggerJSON);
  if (compiled.errors) out.errors = scopeJSON(compiled.errors);
  if (compiled.finally) out.finally = scopeJSON(compiled.finally);
  return out;
}

export function inputsJSONSchema(schema: z.ZodType): unknown {
  try {
    // The schema's own method, not z.toJSONSchema: core then does not load zod itself (a flow that
    // has inputs has loaded it already); see docs/performance.md.
    return schema.toJSONSchema({ io: "input", unrepresentable: "any" });
  } catch {
    return { description: "(schema cannot be shown as JSON Schema)" };
  }
}

function scopeJSON(scope: CompiledScope): GraphNodeJSON[] {
  return scope.nodes.map((cn) => nodeJSON(cn, scope));
}

function nodeJSON(cn: CompiledNode, scope: CompiledScope): GraphNodeJSON {
  const node = cn.node;
  const j: GraphNodeJSON = { id: node.id, kind: node.kind, needs: cn.deps.map((d) => scope.nodes[d]!.node.id) };
  if (node.kind === "step") j.task = node.task ? node.task.type : "function";
  if (node.options.description) j.description = node.options.description;
  const options: NonNullable<GraphNodeJSON["options"]> = {};
  if (cn.retry) options.retry = { attempts: cn.retry.attempts, backoff: cn.retry.backoff, delayMs: cn.retry.delayMs, maxDelayMs: cn.retry.maxDelayMs, jitter: cn.retry.jitter };
  if (cn.timeoutMs !== undefined) options.timeoutMs = cn.timeoutMs;
  if (node.options.allowFailure) options.allowFailure = true;
  if (node.kind === "forEach") {
    options.concurrency = cn.concurrency === Infinity ? "Infinity" : cn.concurrency === 0 ? "dynamic" : cn.concurrency;
    options.onItemError = node.options.onItemError ?? "fail";
    j.body = scopeJSON(cn.scopes.body!);
    if (cn.scopes.errors) j.errors = scopeJSON(cn.scopes.errors);
  }
  if (node.kind === "if") {
    j.then = scopeJSON(cn.scopes.then!);
    j.else = scopeJSON(cn.scopes.else!);
  }
  if (node.kind === "parallel") j.branches = Object.fromEntries(Object.entries(cn.scopes).map(([k, s]) => [k, scopeJSON(s)]));
  if (Object.keys(options).length) j.options = options;
  return j;
}
