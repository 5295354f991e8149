/**
 * Artifact storage: `capstan://<flow>/<execution>/<path>` URIs, streaming put/get/list/delete, with
 * size, content type and sha256 recorded. Steps see their execution's store as `ctx.storage`, where
 * relative paths land under the execution's prefix. Backends implement `ArtifactStore`: the
 * in-memory store here, the local directory (`LocalArtifactStore`, the default), or your own.
 *
 * @example
 * .step("train", async ({ storage }) => (await storage.put("models/model.bin", bytes)).uri)
 * // -> "capstan://train/1f0c.../models/model.bin"
 */
import { createHash } from "node:crypto";
import { extname } from "node:path";
import { CapstanError } from "../errors.js";
import { ByteStreamMasker, StreamMasker, type Masker } from "../engine/mask.js";
export interface ArtifactInfo {
  uri: string;
  /** Bytes. */
  size: number;
  contentType: string;
  /** ISO 8601. */
  createdAt: string;
  /** Hex sha256 of the content. */
  sha256?: string;
}

/** What `put` accepts: bytes, text, or a stream of chunks (a Node `Readable` is one). */
export type ArtifactData = Uint8Array | string | AsyncIterable<Uint8Array | string>;

export interface ArtifactStore {
  /** Writes (or replaces) an artifact; `contentType` defaults from the data and the extension. */
  put(path: string, data: ArtifactData, options?: { contentType?: string }): Promise<ArtifactInfo>;
  get(uri: string): Promise<Uint8Array>;
  stream(uri: string): AsyncIterable<Uint8Array>;
  stat(uri: string): Promise<ArtifactInfo | undefined>;
  /** Artifacts whose URI starts with `prefix`, sorted by URI. */
  list(prefix?: string): Promise<ArtifactInfo[]>;
  delete(uri: string): Promise<boolean>;
}

/** The URI of `path` in one execution: relative paths land under `capstan://<flow>/<execution>/`. */
export function scopedUri(flowId: string, executionId: string, path: string): string {
  if (path.startsWith("capstan://")) return checkUri(path);
  return checkUri(`capstan://${flowId}/${executionId}/${path.replace(/^\/+/, "")}`, path);
}

/** Validates a `capstan://` URI: no `.`/`..` or empty segments, no backslashes or control characters. */
export function checkUri(uri: string, original = uri): string {
  const rest = uri.startsWith("capstan://") ? uri.slice(10) : "";
  if (!rest || /[\\\x00-\x1f]/.test(rest) || rest.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new CapstanError("CAPSTAN_USAGE", `artifact path "${original}" is not valid`, {
      hint: "use a relative path such as `models/model.bin` (no `..`, no empty segments)",
      retryable: false,
    });
  }
  return uri;
}

/** `capstan://` URI of a store-level path (no execution scoping). */
export function toUri(path: string): string {
  return checkUri(path.startsWith("capstan://") ? path : `capstan://${path.replace(/^\/+/, "")}`, path);
}

/**
 * The store as one execution sees it (`ctx.storage`): `put("a.txt")` writes
 * `capstan://<flow>/<execution>/a.txt`; `get`, `stat`, `stream` and `delete` take such a relative
 * path or any full URI; `list()` lists this execution's artifacts (a relative prefix narrows it).
 */
export class ScopedArtifactStore implements ArtifactStore {
  readonly prefix: string;
  /** With a masker, text artifacts are written with the run's secret values masked. */
  constructor(readonly store: ArtifactStore, flowId: string, executionId: string, private readonly masker?: Masker) {
    this.prefix = `capstan://${flowId}/${executionId}/`;
    checkUri(this.prefix + "x");
  }
  uri(path: string): string {
    return path.startsWith("capstan://") ? checkUri(path) : checkUri(this.prefix + path.replace(/^\/+/, ""), path);
  }
  // async throughout: a bad path is a rejected promise, as with every other store error.
  async put(path: string, data: ArtifactData, options?: { contentType?: string }): Promise<ArtifactInfo> {
    const uri = this.uri(path);
    const m = this.masker;
    if (!m?.active) return this.store.put(uri, data, options);
    const contentType = contentTypeFor(uri, data, options?.contentType);
    return this.store.put(uri, maskArtifact(data, m, isText(contentType)), { ...options, contentType });
  }
  async get(uri: string): Promise<Uint8Array> {
    return this.store.get(this.uri(uri));
  }
  async *stream(uri: string): AsyncIterable<Uint8Array> {
    yield* this.store.stream(this.uri(uri));
  }
  async stat(uri: string): Promise<ArtifactInfo | undefined> {
    return this.store.stat(this.uri(uri));
  }
  async list(prefix = ""): Promise<ArtifactInfo[]> {
    if (prefix.startsWith("capstan://")) return this.store.list(prefix);
    const rel = prefix.replace(/^\/+/, "");
    if (rel.split("/").some((s) => s === ".." || s === ".")) return [];
    return this.store.list(this.prefix + rel);
  }
  async delete(uri: string): Promise<boolean> {
    return this.store.delete(this.uri(uri));
  }
}

const TYPES: Record<string, string> = {
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".ndjson": "application/x-ndjson",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".xml": "application/xml",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".gz": "application/gzip",
  ".tgz": "application/gzip",
  ".tar": "application/x-tar",
  ".zip": "application/zip",
};

/** The content type to record: the caller's, else from the extension, else text or octet-stream. */
export function contentTypeFor(uri: string, data: ArtifactData, given?: string): string {
  return given ?? TYPES[extname(uri).toLowerCase()] ?? (typeof data === "string" ? "text/plain; charset=utf-8" : "application/octet-stream");
}

function isText(contentType: string): boolean {
  return /^text\/|json|yaml|xml|csv|javascript/.test(contentType);
}

/**
 * An artifact with secret values masked: text (by content type, or bytes that are valid UTF-8) is
 * rewritten, streams through a StreamMasker so a value split across chunks is caught. In binary
 * data (a tar of logs, a dump) each value's bytes are overwritten with `*` bytes of the same
 * length, so the format's sizes and offsets stay valid; compressed content cannot be seen into.
 */
function maskArtifact(data: ArtifactData, masker: Masker, text: boolean): ArtifactData {
  if (typeof data === "string") return masker.mask(data);
  if (data instanceof Uint8Array) {
    let decoded: string;
    try {
      decoded = new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      return masker.maskBytes(data);
    }
    return new TextEncoder().encode(masker.mask(decoded));
  }
  if (!text) {
    return (async function* () {
      const bm = new ByteStreamMasker(masker);
      for await (const chunk of data) {
        const out = bm.write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
        if (out.byteLength) yield out;
      }
      const rest = bm.end();
      if (rest.byteLength) yield rest;
    })();
  }
  return (async function* () {
    const sm = new StreamMasker(masker);
    const enc = new TextEncoder();
    for await (const chunk of data) {
      const out = sm.write(chunk);
      if (out) yield enc.encode(out);
    }
    const rest = sm.end();
    if (rest) yield enc.encode(rest);
  })();
}

/** Chunks of `data` as bytes, whatever form it came in. */
export async function* chunksOf(data: ArtifactData): AsyncIterable<Uint8Array> {
  if (typeof data === "string") yield new TextEncoder().encode(data);
  else if (data instanceof Uint8Array) yield data;
  else for await (const c of data) yield typeof c === "string" ? new TextEncoder().encode(c) : c;
}

/** Size and sha256 of chunks as they pass, for stores that stream. */
export class Digest {
  size = 0;
  readonly #hash = createHash("sha256");
  update(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    this.#hash.update(chunk);
  }
  hex(): string {
    return this.#hash.digest("hex");
  }
}

export class MemoryArtifactStore implements ArtifactStore {
  readonly #items = new Map<string, { data: Uint8Array; info: ArtifactInfo }>();

  async put(path: string, data: ArtifactData, options: { contentType?: string } = {}): Promise<ArtifactInfo> {
    const uri = toUri(path);
    const parts: Uint8Array[] = [];
    const digest = new Digest();
    for await (const c of chunksOf(data)) {
      parts.push(c);
      digest.update(c);
    }
    const bytes = concat(parts, digest.size);
    const info: ArtifactInfo = { uri, size: bytes.byteLength, contentType: contentTypeFor(uri, data, options.contentType), createdAt: new Date().toISOString(), sha256: digest.hex() };
    this.#items.set(uri, { data: bytes, info });
    return info;
  }

  async get(uri: string): Promise<Uint8Array> {
    const item = this.#items.get(uri);
    if (!item) throw notFound(uri);
    return item.data;
  }

  async *stream(uri: string): AsyncIterable<Uint8Array> {
    yield await this.get(uri);
  }

  async stat(uri: string): Promise<ArtifactInfo | undefined> {
    return this.#items.get(uri)?.info;
  }

  async list(prefix = "capstan://"): Promise<ArtifactInfo[]> {
    return [...this.#items.values()].filter((i) => i.info.uri.startsWith(prefix)).map((i) => i.info).sort((a, b) => (a.uri < b.uri ? -1 : 1));
  }

  async delete(uri: string): Promise<boolean> {
    return this.#items.delete(uri);
  }
}

export function notFound(uri: string): CapstanError {
  return new CapstanError("CAPSTAN_ARTIFACT_NOT_FOUND", `artifact ${uri} does not exist`, {
    hint: "check the URI; artifacts are scoped to the execution that wrote them",
    retryable: false,
  });
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!.slice();
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
