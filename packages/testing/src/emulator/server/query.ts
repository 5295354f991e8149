/** Query parameters of write requests (dryRun, fieldManager, fieldValidation, force) and DeleteOptions. */

import type { IncomingMessage } from "node:http";
import type { FieldValidation } from "../store/admission.js";
import type { DeleteRequest, PropagationPolicy } from "../store/deletion.js";
import { badRequest, StatusError } from "../store/errors.js";
import { isPlainObject } from "../store/json.js";

export interface WriteParams {
  dryRun: boolean;
  fieldManager: string | undefined;
  fieldValidation: FieldValidation;
  force: boolean;
}

function optionsInvalid(kind: string, field: string, message: string): StatusError {
  return new StatusError(422, "Invalid", `${kind}.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    group: "meta.k8s.io",
    kind,
    causes: [{ reason: message.startsWith("Required") ? "FieldValueRequired" : message.startsWith("Forbidden") ? "FieldValueForbidden" : "FieldValueNotSupported", message, field }],
  });
}

export function parseDryRun(query: URLSearchParams, kind: string): boolean {
  const values = query.getAll("dryRun");
  for (const v of values) if (v !== "All") throw optionsInvalid(kind, "dryRun", `Unsupported value: "${v}": supported values: "All"`);
  return values.length > 0;
}

export function writeParams(query: URLSearchParams, kind: "CreateOptions" | "UpdateOptions" | "PatchOptions"): WriteParams {
  const fv = query.get("fieldValidation") ?? "";
  let fieldValidation: FieldValidation = "Warn";
  if (fv === "Strict" || fv === "Warn" || fv === "Ignore") fieldValidation = fv;
  else if (fv !== "") throw optionsInvalid(kind, "fieldValidation", `Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`);
  const manager = query.get("fieldManager") ?? undefined;
  if (manager !== undefined && manager.length > 128) throw optionsInvalid(kind, "fieldManager", "Too long: may not be more than 128 bytes");
  const forceText = query.get("force");
  return { dryRun: parseDryRun(query, kind), fieldManager: manager, fieldValidation, force: forceText === "true" || forceText === "1" };
}

/** The manager recorded for a non-apply write without fieldManager: the User-Agent's program name. */
export function managerFromUserAgent(req: IncomingMessage): string {
  const ua = req.headers["user-agent"] ?? "";
  const name = ua.split("/")[0]?.trim() ?? "";
  return name === "" ? "unknown" : name.slice(0, 128);
}

const POLICIES = new Set(["Foreground", "Background", "Orphan"]);

/** DeleteOptions from the query and/or a JSON body (kubectl sends a body, client-node the query). */
export function deleteRequest(query: URLSearchParams, body: unknown): DeleteRequest {
  const req: DeleteRequest = {};
  const b = isPlainObject(body) ? body : {};
  const grace = query.get("gracePeriodSeconds") ?? (b["gracePeriodSeconds"] === undefined ? null : String(b["gracePeriodSeconds"]));
  if (grace !== null && grace !== "") {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`strconv.ParseInt: parsing "${grace}": invalid syntax`);
    req.gracePeriodSeconds = n;
  }
  const policy = query.get("propagationPolicy") ?? (typeof b["propagationPolicy"] === "string" ? b["propagationPolicy"] : null);
  if (policy !== null && policy !== "") {
    if (!POLICIES.has(policy)) throw optionsInvalid("DeleteOptions", "propagationPolicy", `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    req.propagationPolicy = policy as PropagationPolicy;
  }
  const orphan = query.get("orphanDependents") ?? (typeof b["orphanDependents"] === "boolean" ? String(b["orphanDependents"]) : null);
  if (orphan !== null && orphan !== "") req.orphanDependents = orphan === "true";
  if (req.orphanDependents !== undefined && req.propagationPolicy !== undefined) {
    throw optionsInvalid("DeleteOptions", "propagationPolicy", "Invalid value: \"" + req.propagationPolicy + "\": orphanDependents and deletionPropagation cannot be both set");
  }
  if (isPlainObject(b["preconditions"])) {
    const p = b["preconditions"];
    req.preconditions = {};
    if (typeof p["uid"] === "string") req.preconditions.uid = p["uid"];
    if (typeof p["resourceVersion"] === "string") req.preconditions.resourceVersion = p["resourceVersion"];
  }
  const dry = Array.isArray(b["dryRun"]) ? (b["dryRun"] as unknown[]).includes("All") : false;
  req.dryRun = parseDryRun(query, "DeleteOptions") || dry;
  return req;
}
