/**
 * Ownership of a live execution: `<id>.lock` holds the pid and host of the process recording it.
 * A record without `execution.finished` whose lock is gone, or whose process is dead, was
 * interrupted. The lock also keeps two `capstan resume` calls from running one execution twice.
 */
import { hostname } from "node:os";
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from "node:fs";
import { CapstanError } from "../errors.js";

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly time: number;
}

export const HOST = hostname();

/** Takes the lock, replacing a stale one (its process is gone); throws if a live process holds it. */
export function acquireLock(path: string, executionId: string): void {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, host: HOST, time: Date.now() } satisfies LockInfo));
      } finally {
        closeSync(fd);
      }
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readLock(path);
      if (holder && isAlive(holder)) {
        throw new CapstanError("CAPSTAN_EXECUTION_LOCKED", `execution ${executionId} is being run by process ${holder.pid} on ${holder.host}`, {
          hint: "wait for it to finish, or stop that process first",
          retryable: false,
          details: { pid: holder.pid, host: holder.host },
        });
      }
      try {
        unlinkSync(path);
      } catch {
        // Another process removed it first; try again.
      }
    }
  }
  throw new CapstanError("CAPSTAN_EXECUTION_LOCKED", `could not lock execution ${executionId}`, { retryable: true });
}

export function releaseLock(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

export function readLock(path: string): LockInfo | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string") return undefined;
    return { pid: parsed.pid, host: parsed.host, time: parsed.time ?? 0 };
  } catch {
    // Missing, or cut short by a crash while it was written: nobody holds it.
    return undefined;
  }
}

/** Whether the lock's process still runs. On another host we cannot tell, so it counts as alive. */
export function isAlive(lock: LockInfo): boolean {
  if (lock.host !== HOST) return true;
  if (lock.pid === process.pid) return true;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
