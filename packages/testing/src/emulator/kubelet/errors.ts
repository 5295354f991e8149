/** Apiserver-shaped errors thrown by the pod runtime (logs, exec, eviction). */

import type { KubeStatus } from "./types.js";

/** An error carrying the `Status` the apiserver would send; `code` is the HTTP status. */
export class RuntimeStatusError extends Error {
  readonly status: KubeStatus;
  readonly code: number;
  constructor(status: KubeStatus) {
    super(status.message ?? status.reason ?? "error");
    this.name = "RuntimeStatusError";
    this.status = status;
    this.code = status.code;
  }
}

export function failure(code: number, reason: string, message: string, details?: KubeStatus["details"]): RuntimeStatusError {
  const status: KubeStatus = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  if (details) status.details = details;
  return new RuntimeStatusError(status);
}

export function podNotFound(name: string): RuntimeStatusError {
  return failure(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
}

export function badRequest(message: string): RuntimeStatusError {
  return failure(400, "BadRequest", message);
}

export function success(details?: KubeStatus["details"]): KubeStatus {
  const status: KubeStatus = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 };
  if (details) status.details = details;
  return status;
}

/** Duck-typed check for errors thrown by the store (StatusError) or by us. */
export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; status?: { code?: unknown } };
  if (typeof e.code === "number") return e.code;
  if (typeof e.status === "object" && e.status !== null && typeof e.status.code === "number") return e.status.code;
  return undefined;
}
