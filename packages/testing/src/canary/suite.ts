/**
 * The secret canary for a whole test suite: `installSecretCanary()` observes every execution in
 * this process (flow.run, runCli, the server) and, through `CAPSTAN_SECRET_CANARY`, every one in a
 * child process spawned with this process's environment (`tsx flow.ts`, `capstan run`). A test
 * setup calls `check()` after each test: it throws, naming each leaked secret (never its value),
 * where it was found and how it was encoded. See docs/reliability.md#secret-canaries.
 *
 * @example
 * // vitest setup file
 * const canary = installSecretCanary();
 * afterEach(() => canary.check());
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CANARY_ENV, SecretCanary, observeExecutions, type Leak } from "@capstan/core/internal";

export type { Leak };

/** A leak reported by a child process also says which. */
export type SuiteLeak = Leak & { readonly pid?: number };

export interface SuiteCanary {
  /** Where child processes append their leaks (one JSON line each). */
  readonly reportFile: string;
  /** Every leak found since the last `take()`/`check()`, in this process and its children; clears them. */
  take(): SuiteLeak[];
  /** What was checked so far, here and in the children that have exited. */
  readonly stats: CanaryStats;
  /** Throws a SecretLeakError if `take()` returns anything. */
  check(): void;
  /** Stops observing, restores the environment and removes the report file. */
  uninstall(): void;
}

export interface CanaryStats {
  /** Executions observed, and those among them that held secrets (only those are scanned). */
  executions: number;
  scanned: number;
  events: number;
  artifacts: number;
  records: number;
  /** Milliseconds spent scanning. */
  ms: number;
  /** Child processes that reported (at exit). */
  children: number;
}

export class SecretLeakError extends Error {
  override name = "SecretLeakError";
  constructor(readonly leaks: readonly SuiteLeak[]) {
    super(`secret canary: ${leaks.length} secret value${leaks.length === 1 ? "" : "s"} leaked (masking missed them):\n${leaks.map((l) => `  - ${formatLeak(l)}`).join("\n")}`);
  }
}

/** One line: names the secret, the place and the encoding, never the value. */
export function formatLeak(l: SuiteLeak): string {
  const where = l.pid === undefined ? "" : ` (child process ${l.pid})`;
  return `${l.secret} found ${l.encoding} in ${l.where}, execution ${l.executionId} of flow "${l.flowId}"${where}`;
}

let active: SuiteCanary | undefined;

/** The canary installed in this process, if any (a self-test drains it with `take()`). */
export function activeSecretCanary(): SuiteCanary | undefined {
  return active;
}

export function installSecretCanary(): SuiteCanary {
  if (active) return active;
  const canary = new SecretCanary();
  const stop = observeExecutions(canary);
  const dir = mkdtempSync(join(tmpdir(), "capstan-canary-"));
  const reportFile = join(dir, "leaks.jsonl");
  const previous = process.env[CANARY_ENV];
  process.env[CANARY_ENV] = reportFile;
  let offset = 0;
  const childLeaks: SuiteLeak[] = [];
  const childStats = { executions: 0, scanned: 0, events: 0, artifacts: 0, records: 0, ms: 0, children: 0 };
  /** Reads the lines children appended since last time: leaks, and counts at their exit. */
  const readChildren = (): void => {
    let text: string;
    try {
      text = readFileSync(reportFile, "utf8");
    } catch {
      return;
    }
    // Only whole lines: a child may be writing the next one right now.
    const end = text.lastIndexOf("\n") + 1;
    const fresh = text.slice(offset, end);
    offset = Math.max(offset, end);
    for (const line of fresh.split("\n").filter(Boolean)) {
      const parsed = JSON.parse(line) as SuiteLeak | { stats: SecretCanary["stats"] };
      if (!("stats" in parsed)) childLeaks.push(parsed);
      else {
        childStats.children++;
        for (const k of ["executions", "scanned", "events", "artifacts", "records", "ms"] as const) childStats[k] += parsed.stats[k];
      }
    }
  };
  const suite: SuiteCanary = {
    reportFile,
    take() {
      readChildren();
      return [...canary.take(), ...childLeaks.splice(0)];
    },
    get stats(): CanaryStats {
      readChildren();
      const own = canary.stats;
      const sum = (k: keyof typeof own) => own[k] + childStats[k];
      return { executions: sum("executions"), scanned: sum("scanned"), events: sum("events"), artifacts: sum("artifacts"), records: sum("records"), ms: Math.round(sum("ms")), children: childStats.children };
    },
    check() {
      const leaks = suite.take();
      if (leaks.length) throw new SecretLeakError(leaks);
    },
    uninstall() {
      stop();
      if (previous === undefined) delete process.env[CANARY_ENV];
      else process.env[CANARY_ENV] = previous;
      rmSync(dir, { recursive: true, force: true });
      if (active === suite) active = undefined;
    },
  };
  active = suite;
  return suite;
}
