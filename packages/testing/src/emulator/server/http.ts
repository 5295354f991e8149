/** Small HTTP helpers: JSON and Status responses, body reading, Accept negotiation. */

import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, internalError, statusOf, StatusError, type StatusBody } from "../store/errors.js";

export const JSON_TYPE = "application/json";

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}, contentType = JSON_TYPE): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private", ...headers });
  res.end(text);
}

export function toStatusBody(err: unknown): StatusBody {
  const status = statusOf(err);
  if (status) return status;
  return internalError(err instanceof Error ? err.message : String(err)).toStatus();
}

export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string | string[]> = {}): void {
  const body = toStatusBody(err);
  const extra = { ...headers };
  if (body.details?.retryAfterSeconds !== undefined) extra["Retry-After"] = String(body.details.retryAfterSeconds);
  sendJson(res, body.code ?? 500, body, extra);
}

export async function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<string> {
  return (await readBodyBytes(req, limit)).toString("utf8");
}

export async function readBodyBytes(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new StatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw badRequest("the body of the request was empty");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding from json: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Base media type of a Content-Type header (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Whether the client asked for a server-side Table (`kubectl get`). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(",")) {
    const params = part.split(";").slice(1).map((p) => p.trim());
    if (params.includes("as=Table") && params.includes("g=meta.k8s.io")) return true;
    const t = part.split(";")[0]?.trim();
    if (t === "application/json" || t === "*/*") return false;
  }
  return false;
}

/** The Table version asked for (`v1` or `v1beta1`). */
export function tableVersion(accept: string | undefined): string {
  for (const part of (accept ?? "").split(",")) {
    const params = part.split(";").map((p) => p.trim());
    if (params.includes("as=Table")) {
      const v = params.find((p) => p.startsWith("v="));
      return v ? v.slice(2) : "v1";
    }
  }
  return "v1";
}

/** Whether JSON (or a wildcard) is acceptable: protobuf-only requests get 406. */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(",").some((p) => {
    const t = p.split(";")[0]?.trim() ?? "";
    return t === "application/json" || t === "*/*" || t === "application/*" || t.endsWith("+json") || t === "";
  });
}
