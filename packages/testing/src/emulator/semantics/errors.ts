/**
 * Typed failures returned by the semantics library. Each carries what the apiserver would put in its
 * `Status` (code, reason, message, details); `toStatus()` renders that object so the HTTP layer only
 * has to write it.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface FailureStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class SemanticError extends Error {
  readonly code: number;
  /** metav1.StatusReason; "" is StatusReasonUnknown (kubectl then prints `Error from server: <message>`). */
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "SemanticError";
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): FailureStatus {
    const status: FailureStatus = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details && Object.keys(this.details).length > 0) status.details = this.details;
    return status;
  }
}

export function badRequest(message: string): SemanticError {
  return new SemanticError(400, "BadRequest", message);
}

/** errors.NewGenericServerResponse(422, "", {}, "", msg, 0, false): the underlying text is dropped. */
export function genericUnprocessable(): SemanticError {
  return new SemanticError(422, "Invalid", "the server rejected our request due to an error in our request");
}

/** A non-API error surfacing from the apiserver: 500 with an empty reason and the raw text. */
export function internalUnknown(message: string): SemanticError {
  return new SemanticError(500, "", message);
}
