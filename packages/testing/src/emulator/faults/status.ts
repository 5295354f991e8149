/** The Status an injected error carries: the reason and wording the apiserver uses for that code. */

import { OPTIMISTIC_LOCK, qualifiedResource, StatusError } from "../store/errors.js";
import type { RequestAttributes } from "./rules.js";

const REASONS: Record<number, [string, string]> = {
  400: ["BadRequest", "the server rejected our request for an unknown reason"],
  401: ["Unauthorized", "Unauthorized"],
  403: ["Forbidden", "forbidden"],
  404: ["NotFound", "the server could not find the requested resource"],
  409: ["Conflict", "the server reported a conflict"],
  410: ["Expired", "the resource has expired"],
  422: ["Invalid", "the server rejected our request due to an error in our request"],
  429: ["TooManyRequests", "Too many requests, please try again later."],
  500: ["InternalError", "Internal error occurred: injected fault"],
  503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
  504: ["Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"],
};

export function injectedStatus(action: { code: number; reason?: string; message?: string; retryAfterSeconds?: number }, req: RequestAttributes): StatusError {
  const [reason, generic] = REASONS[action.code] ?? ["", `injected fault (${action.code})`];
  let message = action.message ?? generic;
  const details: Record<string, unknown> = {};
  if (req.name) details["name"] = req.name;
  if (req.resource) {
    details["group"] = req.group;
    details["kind"] = req.resource;
  }
  if (action.code === 409 && action.message === undefined && req.resource && req.name) {
    message = `Operation cannot be fulfilled on ${qualifiedResource(req.group, req.resource)} "${req.name}": ${OPTIMISTIC_LOCK}`;
  }
  const retry = action.retryAfterSeconds ?? (action.code === 429 ? 1 : undefined);
  if (retry !== undefined) details["retryAfterSeconds"] = retry;
  return new StatusError(action.code, action.reason ?? reason, message, details);
}
