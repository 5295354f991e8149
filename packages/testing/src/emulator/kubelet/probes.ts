/** Readiness probes and lifecycle hooks: exec handlers run in the built-in shell against the container's filesystem. */

import type { ContainerFs, RuntimeTiming } from "./types.js";
import type { ContainerRecord } from "./pod-status.js";
import type { LifecycleHandler } from "../controllers/k8s-types.js";
import { BufferOutput, quoteArgv, Shell } from "../shell/index.js";
import { delay, scaledMs } from "./timing.js";

export async function runProbe(command: string[], fs: ContainerFs, env: Record<string, string>, signal: AbortSignal, timing: RuntimeTiming): Promise<boolean> {
  const shell = new Shell({
    fs,
    env,
    stdout: new BufferOutput(),
    stderr: new BufferOutput(),
    signal,
    sleep: (s, sig) => delay(scaledMs(timing, s), sig),
  });
  try {
    return (await shell.run(quoteArgv(command))) === 0;
  } catch {
    return false;
  }
}

/**
 * Readiness of one container run: an exec readinessProbe runs periodically in the container; other
 * probes (and no probe) make it ready after initialDelaySeconds (scaled) plus timing.readiness.
 * Once the program calls setReady itself (`overridden`), it owns readiness.
 */
export async function runReadiness(c: ContainerRecord, t: RuntimeTiming, signal: AbortSignal, overridden: () => boolean, setReady: (r: boolean) => void): Promise<void> {
  const probe = c.spec.readinessProbe;
  const initial = scaledMs(t, probe?.initialDelaySeconds ?? 0);
  try {
    if (probe?.exec?.command && c.fs && c.env) {
      await delay(initial, signal);
      const period = Math.max(1, scaledMs(t, probe.periodSeconds ?? 10));
      let failures = 0;
      for (;;) {
        if (overridden()) return;
        const ok = await runProbe(probe.exec.command, c.fs, c.env, signal, t);
        if (overridden() || signal.aborted) return;
        if (ok) {
          failures = 0;
          setReady(true);
        } else if (++failures >= (probe.failureThreshold ?? 3) || !c.ready) setReady(false);
        await delay(period, signal);
      }
    }
    await delay(initial + t.readiness, signal);
    if (!overridden()) setReady(true);
  } catch {
    // aborted: the run ended
  }
}

/** Runs a postStart/preStop handler: exec in the container, sleep (scaled); HTTP/TCP handlers succeed. */
export async function runHook(handler: LifecycleHandler, c: ContainerRecord, t: RuntimeTiming): Promise<boolean> {
  const signal = new AbortController().signal;
  if (handler.exec?.command && c.fs && c.env) return runProbe(handler.exec.command, c.fs, c.env, signal, t);
  if (handler.sleep) await delay(scaledMs(t, handler.sleep.seconds), signal);
  return true;
}

/** Liveness: an exec probe that fails failureThreshold times in a row calls `onFailure` once. */
export async function runLiveness(c: ContainerRecord, t: RuntimeTiming, signal: AbortSignal, onFailure: () => void): Promise<void> {
  const probe = c.spec.livenessProbe;
  if (!probe?.exec?.command || !c.fs || !c.env) return;
  try {
    await delay(scaledMs(t, probe.initialDelaySeconds ?? 0), signal);
    const period = Math.max(1, scaledMs(t, probe.periodSeconds ?? 10));
    let failures = 0;
    for (;;) {
      const ok = await runProbe(probe.exec.command, c.fs, c.env, signal, t);
      if (signal.aborted) return;
      failures = ok ? 0 : failures + 1;
      if (failures >= (probe.failureThreshold ?? 3)) {
        onFailure();
        return;
      }
      await delay(period, signal);
    }
  } catch {
    // aborted: the run ended
  }
}
