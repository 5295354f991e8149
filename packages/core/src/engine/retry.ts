/** Backoff arithmetic and an abortable sleep (timers, so vitest fake timers drive it). */
import type { Retry } from "../graph/compile.js";
import { CapstanError } from "../errors.js";

/** Delay before attempt `attempt + 1`, after `attempt` failed (attempt counts from 1). */
export function backoffDelay(retry: Retry, attempt: number, random: () => number = Math.random): number {
  const base = retry.backoff === "exponential" ? retry.delayMs * retry.factor ** (attempt - 1) : retry.delayMs;
  const capped = Math.min(base, retry.maxDelayMs);
  if (retry.jitter === 0) return capped;
  // Spread within ±jitter of the delay so retries of many items do not land at the same instant.
  return Math.max(0, Math.round(capped * (1 - retry.jitter + 2 * retry.jitter * random())));
}

export function isRetryable(error: unknown, retry: Retry): boolean {
  if (error instanceof CapstanError && !error.retryable) return false;
  return retry.when ? retry.when(error) : true;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
