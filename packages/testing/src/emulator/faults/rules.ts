/** The fault rule language: which requests a rule matches, how often it fires, what it does. */

import type { ImagePullFailureRule } from "../kubelet/types.js";

export interface RequestMatch {
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb?: string | string[];
  /** Plural resource (`pods`, `deployments`). */
  resource?: string | string[];
  /** Subresource (`log`, `exec`, `status`, `scale`, `eviction`); "" matches only the main resource. */
  subresource?: string;
  group?: string;
  name?: string | RegExp;
  namespace?: string;
  /** Raw path match, e.g. for `/version` or `/openapi/v3`. */
  path?: string | RegExp;
}

export type FaultAction =
  /** Answer with an apiserver Status error (429 adds `Retry-After`). */
  | { type: "status"; code: number; reason?: string; message?: string; retryAfterSeconds?: number }
  /** Destroy the connection without an answer (client sees ECONNRESET / "socket hang up"). */
  | { type: "reset" }
  /**
   * Serve the request (a write takes effect), then destroy the connection instead of answering: the
   * response lost on the way back, which is what makes a retried create meet 409 AlreadyExists.
   * On watches and log streams it acts as `reset`.
   */
  | { type: "dropResponse" }
  /** Hold the request this long, then serve it normally. */
  | { type: "delay"; ms: number }
  /** Serve a watch or a log stream, but cut it after `after` events or lines. */
  | { type: "cutStream"; after: number; mode?: "close" | "reset" }
  /** Restart the whole server: every connection dropped, state kept; it listens again after `downMs`. */
  | { type: "restart"; downMs?: number };

export interface RequestFaultRule {
  match?: RequestMatch;
  action: FaultAction;
  /** Fire only on the first N matching requests. */
  first?: number;
  /** Fire on every Nth matching request (the Nth, 2Nth, ...). */
  every?: number;
  /** Fire with this probability (0..1), drawn from the cluster's seeded generator. */
  probability?: number;
  /** Stop after firing this many times. */
  times?: number;
}

/** Faults of the simulated nodes and kubelet, forwarded to the cluster runtime. */
export type RuntimeFaultRule =
  | ({ type: "imagePullFailure" } & ImagePullFailureRule)
  | { type: "nodeLoss"; node: string }
  | { type: "eviction"; namespace: string; name: string; gracePeriodSeconds?: number };

export type FaultRule = RequestFaultRule | RuntimeFaultRule;

export function isRuntimeRule(rule: FaultRule): rule is RuntimeFaultRule {
  return !("action" in rule);
}

/** What a request is, for matching. */
export interface RequestAttributes {
  verb: string;
  path: string;
  group: string;
  resource?: string | undefined;
  subresource?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
}

function oneOf(want: string | string[] | undefined, got: string | undefined): boolean {
  if (want === undefined) return true;
  return Array.isArray(want) ? got !== undefined && want.includes(got) : want === got;
}

export function ruleMatches(match: RequestMatch | undefined, req: RequestAttributes): boolean {
  if (!match) return true;
  if (!oneOf(match.verb, req.verb)) return false;
  if (!oneOf(match.resource, req.resource)) return false;
  if (match.subresource !== undefined && match.subresource !== (req.subresource ?? "")) return false;
  if (match.group !== undefined && match.group !== req.group) return false;
  if (match.namespace !== undefined && match.namespace !== req.namespace) return false;
  if (match.name !== undefined) {
    if (req.name === undefined) return false;
    if (typeof match.name === "string" ? match.name !== req.name : !match.name.test(req.name)) return false;
  }
  if (match.path !== undefined && (typeof match.path === "string" ? match.path !== req.path : !match.path.test(req.path))) return false;
  return true;
}
