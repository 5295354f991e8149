/**
 * Retries what a real cluster makes transient: 429 and 5xx (honouring Retry-After, as client-go
 * does) and dropped connections, with exponential backoff and full jitter, bounded in attempts
 * and delay. Aborting the signal stops waiting at once.
 */
import { KubernetesError } from "../errors.js";

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 10_000 };

export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  onRetry?: (error: KubernetesError, attempt: number, delayMs: number) => void,
  random: () => number = Math.random,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof KubernetesError) || !err.retryable || attempt >= policy.attempts || signal?.aborted) throw err;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // Retry-After is the server's explicit request: honour it (capped), else full jitter.
      const delay = err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, 30_000) : Math.round(backoff * (0.5 + random() / 2));
      onRetry?.(err, attempt, delay);
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
