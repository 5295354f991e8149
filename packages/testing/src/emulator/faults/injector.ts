/**
 * Deterministic fault injection: `add(rule)` registers a rule; each request asks `decide()` which
 * action (if any) applies. Counting and the seeded generator make a run reproducible: the same seed
 * and request sequence fire the same faults.
 */

import type { RuntimeFaults } from "../kubelet/types.js";
import { isRuntimeRule, ruleMatches, type FaultAction, type FaultRule, type RequestAttributes, type RequestFaultRule } from "./rules.js";

export interface FaultHandle {
  readonly id: number;
  /** How many times the rule fired. */
  readonly fired: number;
  /** How many requests it matched (fired or not). */
  readonly matched: number;
  remove(): void;
}

interface Entry {
  id: number;
  rule: RequestFaultRule;
  matched: number;
  fired: number;
}

/** mulberry32: tiny, fast, good enough for fault schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  readonly #entries: Entry[] = [];
  #nextId = 1;
  #random: () => number;
  #runtime: RuntimeFaults | undefined;

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  /** Restarts the generator (same seed → same probabilistic faults). */
  reseed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  /** Connects node/kubelet faults (set by mockCluster when the runtime runs). */
  attachRuntime(runtime: RuntimeFaults | undefined): void {
    this.#runtime = runtime;
  }

  add(rule: FaultRule): FaultHandle {
    const id = this.#nextId++;
    if (isRuntimeRule(rule)) return this.#addRuntime(id, rule);
    validate(rule);
    const entry: Entry = { id, rule, matched: 0, fired: 0 };
    this.#entries.push(entry);
    const entries = this.#entries;
    return {
      id,
      get fired() {
        return entry.fired;
      },
      get matched() {
        return entry.matched;
      },
      remove() {
        const i = entries.indexOf(entry);
        if (i >= 0) entries.splice(i, 1);
      },
    };
  }

  clear(): void {
    this.#entries.length = 0;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The action for this request: the first rule (in order added) that fires. */
  decide(req: RequestAttributes): FaultAction | undefined {
    for (const e of this.#entries) {
      if (!ruleMatches(e.rule.match, req)) continue;
      e.matched++;
      const r = e.rule;
      if (r.times !== undefined && e.fired >= r.times) continue;
      if (r.first !== undefined && e.matched > r.first) continue;
      if (r.every !== undefined && e.matched % r.every !== 0) continue;
      if (r.probability !== undefined && !(this.#random() < r.probability)) continue;
      e.fired++;
      return r.action;
    }
    return undefined;
  }

  #addRuntime(id: number, rule: Exclude<FaultRule, RequestFaultRule>): FaultHandle {
    const runtime = this.#runtime;
    if (!runtime) throw new Error(`fault "${rule.type}" needs the cluster runtime (mockCluster({ runtime: false }) disables it)`);
    let remove = (): void => {};
    switch (rule.type) {
      case "imagePullFailure": {
        const { type: _type, ...pull } = rule;
        remove = runtime.failImagePull(pull);
        break;
      }
      case "nodeLoss":
        runtime.loseNode(rule.node);
        remove = () => runtime.restoreNode(rule.node);
        break;
      case "eviction":
        runtime.evictPod(rule.namespace, rule.name, rule.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: rule.gracePeriodSeconds });
        break;
    }
    let removed = false;
    return {
      id,
      fired: 1,
      matched: 1,
      remove() {
        if (!removed) remove();
        removed = true;
      },
    };
  }
}

function validate(rule: RequestFaultRule): void {
  const a = rule.action;
  if (a.type === "status" && (a.code < 400 || a.code > 599)) throw new Error(`fault status code must be 4xx or 5xx, got ${a.code}`);
  if (rule.every !== undefined && rule.every < 1) throw new Error("fault `every` must be >= 1");
  if (rule.probability !== undefined && (rule.probability < 0 || rule.probability > 1)) throw new Error("fault `probability` must be within 0..1");
}
