/**
 * vitest setup (vitest.config.ts `setupFiles`): the secret canary watches every execution a test
 * runs, in-process and in child processes that inherit the environment, and fails the test if a
 * registered secret value (or its base64 / URL-encoded form) was left in a result, an event, a log
 * line, a record file or an artifact. Leaks found outside a test (beforeAll) fail the file.
 * `CAPSTAN_SECRET_CANARY_STATS=<file>` appends what each test file had checked (one JSON line).
 */
import { appendFileSync } from "node:fs";
import { afterAll, afterEach, expect } from "vitest";
// The canary module alone: the package index would load the emulator into every test file.
import { installSecretCanary } from "../../packages/testing/src/canary/index.js";

const canary = installSecretCanary();

afterEach(() => canary.check());
afterAll(() => {
  try {
    canary.check();
  } finally {
    const statsFile = process.env.CAPSTAN_SECRET_CANARY_STATS;
    if (statsFile) appendFileSync(statsFile, JSON.stringify({ file: expect.getState().testPath, ...canary.stats }) + "\n");
    canary.uninstall();
  }
});
