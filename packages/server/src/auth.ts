/** Webhook keys: compared in constant time, whatever their lengths. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Digest of a key; comparing fixed-length digests hides the key's length as well as its bytes. */
export function keyDigest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

export function keyMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(keyDigest(given), expected);
}

/** The key a request carries: `Authorization: Bearer <key>` or `X-Capstan-Key: <key>`. */
export function requestKey(req: IncomingMessage): string | undefined {
  const header = req.headers["x-capstan-key"];
  if (typeof header === "string" && header) return header;
  const auth = req.headers.authorization;
  const m = typeof auth === "string" ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m?.[1]?.trim() || undefined;
}
