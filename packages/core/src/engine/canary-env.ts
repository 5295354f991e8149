/**
 * `CAPSTAN_SECRET_CANARY=<file>`: the secret canary in a process a test spawned (`tsx flow.ts`,
 * `capstan run`, `capstan serve`). Each leak is appended to the file as one JSON line (names and
 * places, never values) for the test's setup to read, and at exit a line of counts (`stats`). Skipped when the process already has an
 * observer: the vitest setup sets the variable for its children and observes its own runs itself.
 */
import { appendFileSync } from "node:fs";
import { SecretCanary } from "./canary.js";
import { observeExecutions, observerCount } from "./observe.js";

export const CANARY_ENV = "CAPSTAN_SECRET_CANARY";

let checked = false;

/** Called before each execution; does its work once per process. */
export function envCanaryOnce(env: NodeJS.ProcessEnv = process.env): void {
  if (checked) return;
  checked = true;
  const file = env[CANARY_ENV];
  if (!file || observerCount() > 0) return;
  const append = (line: object) => {
    try {
      appendFileSync(file, JSON.stringify({ ...line, pid: process.pid }) + "\n");
    } catch {
      // The reading test has gone (its directory removed): nobody is left to tell.
    }
  };
  const canary = new SecretCanary(append);
  observeExecutions(canary);
  // What was checked, so the suite can tell a child that ran nothing from one that was checked.
  process.once("exit", () => append({ stats: canary.stats }));
}
