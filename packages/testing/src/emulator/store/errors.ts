/**
 * Apiserver `Status` errors thrown by the store and the HTTP layer. Messages follow apimachinery's
 * `pkg/api/errors/errors.go` (research §3.3); the HTTP layer writes `toStatus()` as the body.
 */
import { SemanticError, type StatusDetails } from "../semantics/errors.js";

export type { StatusCause, StatusDetails } from "../semantics/errors.js";

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** The apiserver Status error the store and server throw: the semantics library's, by the server's name for it. */
export class StatusError extends SemanticError {
  override name = "StatusError";
}

/** Any error carrying an apiserver Status: ours, the semantics library's or the pod runtime's. */
export function statusOf(err: unknown): StatusBody | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { toStatus?: unknown; status?: unknown; code?: unknown };
  if (typeof e.toStatus === "function") return (e.toStatus as () => StatusBody).call(err);
  const s = e.status as StatusBody | undefined;
  if (typeof s === "object" && s !== null && s.kind === "Status" && typeof s.code === "number") return s;
  return undefined;
}

/** `deployments.apps`, or `pods` for the core group (schema.GroupResource.String()). */
export function qualifiedResource(group: string, resource: string): string {
  return group === "" ? resource : `${resource}.${group}`;
}

export function notFound(group: string, resource: string, name: string): StatusError {
  return new StatusError(404, "NotFound", `${qualifiedResource(group, resource)} "${name}" not found`, { name, group, kind: resource });
}

export function alreadyExists(group: string, resource: string, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${qualifiedResource(group, resource)} "${name}" already exists`, { name, group, kind: resource });
}

export function conflict(group: string, resource: string, name: string, why: string): StatusError {
  return new StatusError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`, { name, group, kind: resource });
}

export const OPTIMISTIC_LOCK = "the object has been modified; please apply your changes to the latest version and try again";

export function badRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}

export function forbidden(group: string, resource: string, name: string, why: string): StatusError {
  const subject = name ? `${qualifiedResource(group, resource)} "${name}"` : qualifiedResource(group, resource);
  return new StatusError(403, "Forbidden", `${subject} is forbidden: ${why}`, { name: name || undefined, group, kind: resource } as StatusDetails);
}

/** errors.NewInvalid: `Deployment.apps "web" is invalid: <field errors joined by ", ">`. */
export function invalid(group: string, kind: string, name: string, causes: { field: string; message: string; reason?: string }[]): StatusError {
  const gk = group === "" ? kind : `${kind}.${group}`;
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${gk} "${name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(", ")}]`}`;
  return new StatusError(422, "Invalid", message, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? "FieldValueInvalid", message: c.message, field: c.field })),
  });
}

export function methodNotAllowed(): StatusError {
  return new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

/** The apiserver's 404 for unknown paths (not a missing object). */
export function pathNotFound(): StatusError {
  return new StatusError(404, "NotFound", "the server could not find the requested resource");
}

export function internalError(message: string): StatusError {
  return new StatusError(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] });
}
