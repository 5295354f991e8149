/**
 * Kubernetes failures as Capstan errors: the apiserver's Status (reason, message) becomes a stable
 * code (`CAPSTAN_K8S_NOT_FOUND`, `CAPSTAN_K8S_CONFLICT`, ...), the message names the cluster and the
 * request, and the hint says what to do. Never includes credentials.
 */
import { CapstanError } from "@capstan/core";

export interface K8sStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[]; retryAfterSeconds?: number };
}

const REASONS: Record<string, { code: string; hint: string; retryable: boolean }> = {
  NotFound: { code: "CAPSTAN_K8S_NOT_FOUND", hint: "check the kind, name and namespace (and that the CRD is installed)", retryable: false },
  AlreadyExists: { code: "CAPSTAN_K8S_ALREADY_EXISTS", hint: "use apply (server-side) to update existing objects", retryable: false },
  Conflict: { code: "CAPSTAN_K8S_CONFLICT", hint: "another writer changed the object or owns the field; re-read, or apply with force: true to take ownership", retryable: false },
  Invalid: { code: "CAPSTAN_K8S_INVALID", hint: "fix the object: the apiserver names each invalid field", retryable: false },
  BadRequest: { code: "CAPSTAN_K8S_BAD_REQUEST", hint: "fix the request: the apiserver says what is wrong", retryable: false },
  Unauthorized: { code: "CAPSTAN_K8S_UNAUTHORIZED", hint: "the cluster rejected the credentials: refresh the token or certificate in the kubeconfig", retryable: false },
  Forbidden: { code: "CAPSTAN_K8S_FORBIDDEN", hint: "the credentials lack RBAC permission for this; grant it or use another service account", retryable: false },
  MethodNotAllowed: { code: "CAPSTAN_K8S_METHOD_NOT_ALLOWED", hint: "this resource does not support the operation", retryable: false },
  UnsupportedMediaType: { code: "CAPSTAN_K8S_UNSUPPORTED_MEDIA_TYPE", hint: "custom resources take merge or JSON patches, not strategic merge", retryable: false },
  Gone: { code: "CAPSTAN_K8S_GONE", hint: "the resource version is too old; re-list", retryable: true },
  TooManyRequests: { code: "CAPSTAN_K8S_TOO_MANY_REQUESTS", hint: "the apiserver is throttling; lower concurrency or qps for this cluster", retryable: true },
  InternalError: { code: "CAPSTAN_K8S_SERVER_ERROR", hint: "the apiserver failed; it may recover, retry later", retryable: true },
  ServiceUnavailable: { code: "CAPSTAN_K8S_UNAVAILABLE", hint: "the apiserver is unavailable; retry later", retryable: true },
  ServerTimeout: { code: "CAPSTAN_K8S_TIMEOUT", hint: "the apiserver timed out; retry later", retryable: true },
  Timeout: { code: "CAPSTAN_K8S_TIMEOUT", hint: "the apiserver timed out; retry later", retryable: true },
};

const OPTIMISTIC_LOCK = "the object has been modified";

const BY_STATUS: Record<number, string> = { 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict", 410: "Gone", 415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout" };

export class KubernetesError extends CapstanError {
  override name = "KubernetesError";
  constructor(
    code: string,
    message: string,
    readonly httpStatus: number | undefined,
    readonly reason: string | undefined,
    readonly status: K8sStatus | undefined,
    options: { hint?: string; retryable: boolean; cause?: unknown; retryAfterMs?: number },
  ) {
    super(code, message, { hint: options.hint, retryable: options.retryable, cause: options.cause, details: { httpStatus, reason } });
    this.retryAfterMs = options.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;

  /** `unconditional`: the request carried no resourceVersion precondition (see KubeClient). */
  static fromResponse(httpStatus: number, body: string, headers: Record<string, string>, where: string, request: { unconditional?: boolean } = {}): KubernetesError {
    let status: K8sStatus | undefined;
    try {
      const parsed = JSON.parse(body) as K8sStatus;
      if (parsed && typeof parsed === "object" && parsed.kind === "Status") status = parsed;
    } catch {
      // Not a Status (a proxy's HTML page, an empty 401): fall back to the HTTP status.
    }
    const reason = status?.reason || BY_STATUS[httpStatus] || (httpStatus >= 500 ? "InternalError" : "BadRequest");
    const known = REASONS[reason] ?? { code: `CAPSTAN_K8S_${reason.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`, hint: "see the apiserver's message", retryable: httpStatus >= 500 };
    const text = status?.message || (body && !body.trimStart().startsWith("<") ? body.slice(0, 300) : `HTTP ${httpStatus}`);
    const retryAfter = Number(headers["retry-after"] ?? status?.details?.retryAfterSeconds);
    // An optimistic-lock conflict on an unconditional write is transient: the next try re-reads.
    // Field-manager conflicts ("Apply failed with N conflicts") are not: the user must decide.
    const staleRead = reason === "Conflict" && request.unconditional === true && text.includes(OPTIMISTIC_LOCK);
    return new KubernetesError(known.code, `${where}: ${text}`, httpStatus, reason, status, {
      hint: known.hint,
      retryable: known.retryable || staleRead || httpStatus === 429 || httpStatus >= 500,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }

  static network(err: unknown, where: string, server: string): KubernetesError {
    const tls = tlsCode(err);
    if (tls) {
      // Not a reachability problem: retrying cannot help, and "check the cluster is up" would mislead.
      return new KubernetesError("CAPSTAN_K8S_TLS", `${where}: the apiserver's certificate at ${server} is not trusted (${tls})`, undefined, undefined, undefined, {
        hint: "the kubeconfig's certificate-authority(-data) must be the CA that signed the apiserver's certificate; take it from the cluster's current kubeconfig",
        retryable: false,
        cause: err,
      });
    }
    const code = networkCode(err);
    return new KubernetesError("CAPSTAN_K8S_UNREACHABLE", `${where}: cannot reach the apiserver at ${server} (${code ?? (err as Error)?.message ?? String(err)})`, undefined, undefined, undefined, {
      hint: "check that the cluster is up and the kubeconfig's server address is right (and reachable from here)",
      retryable: true,
      cause: err,
    });
  }
}

const TLS_CODES = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** The OpenSSL code of a certificate verification failure in the cause chain, if it is one. */
export function tlsCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && TLS_CODES.test(code)) return code;
  }
  return undefined;
}

/** The errno-style code of a fetch/undici network failure, if it is one. */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) return code;
  }
  if (err instanceof TypeError && /fetch failed|terminated|other side closed/i.test(err.message)) return "connection failed";
  return undefined;
}

export function configError(message: string, hint: string): CapstanError {
  return new CapstanError("CAPSTAN_K8S_CONFIG", message, { hint, retryable: false });
}
