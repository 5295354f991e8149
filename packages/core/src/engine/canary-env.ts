/**
 * `CAPSTAN_SECRET_CANARY=<file>`: the secret canary in a process a test spawned (`tsx flow.ts`,
 * `capstan run`, `capstan serve`). Each leak is appended to the file as one JSON line (names and
 * places, never values) for the test's setup to read, and at exit a line of counts (`stats`). Skipped when the process already has an
 * observer: the vitest setup sets the variable for its children and observes its own runs itself.
 */
import { appendFileSync } from "node:fs";
import { observeExecutions, observerCount } from "./observe.js";

export const CANARY_ENV = "CAPSTAN_SECRET_CANARY";

/** null: not looked at yet; undefined: nothing to do; else the canary being installed. */
let ready: Promise<void> | undefined | null = null;

/**
 * Called before each execution; looks at the environment once per process. The scanner is loaded
 * only when the variable is set (it is test machinery: a flow's import does not pay for it), so
 * callers await the promise when there is one.
 */
export function envCanaryOnce(env: NodeJS.ProcessEnv = process.env): Promise<void> | undefined {
  if (ready !== null) return ready;
  const file = env[CANARY_ENV];
  if (!file || observerCount() > 0) return (ready = undefined);
  const append = (line: object) => {
    try {
      appendFileSync(file, JSON.stringify({ ...line, pid: process.pid }) + "\n");
    } catch {
      // The reading test has gone (its directory removed): nobody is left to tell.
    }
  };
  return (ready = import("./canary.js").then(({ SecretCanary }) => {
    const canary = new SecretCanary(append);
    observeExecutions(canary);
    // What was checked, so the suite can tell a child that ran nothing from one that was checked.
    process.once("exit", () => append({ stats: canary.stats }));
  }));
}
