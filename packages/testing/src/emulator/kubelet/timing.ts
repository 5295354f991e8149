/** Default simulated delays: a few milliseconds so tests never wait real seconds. */

import type { RuntimeTiming } from "./types.js";

export const DEFAULT_TIMING: RuntimeTiming = {
  schedule: 1,
  imagePull: 2,
  containerStart: 2,
  readiness: 5,
  restartBackoff: 10,
  defaultRunTime: 2,
  timeScale: 0.001,
  nodeEviction: 20,
};

export function resolveTiming(timing?: Partial<RuntimeTiming>): RuntimeTiming {
  return { ...DEFAULT_TIMING, ...timing };
}

/** Converts spec seconds to real milliseconds under the time scale. */
export function scaledMs(timing: RuntimeTiming, seconds: number): number {
  return Math.max(0, seconds * 1000 * timing.timeScale);
}

/** Real-time sleep that rejects with an AbortError when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(handle);
      reject(abortError(signal));
    };
    const handle = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error("aborted");
  err.name = "AbortError";
  return err;
}
