/**
 * Artifact storage: `capstan://` URIs scoped to an execution. The core ships the interface and an
 * in-memory store; durable backends (local directory, object stores) implement the same interface.
 */
import { CapstanError } from "../errors.js";

export interface ArtifactInfo {
  uri: string;
  size: number;
  contentType: string;
  createdAt: string;
}

export interface ArtifactStore {
  put(path: string, data: Uint8Array | string | AsyncIterable<Uint8Array>, options?: { contentType?: string }): Promise<ArtifactInfo>;
  get(uri: string): Promise<Uint8Array>;
  stream(uri: string): AsyncIterable<Uint8Array>;
  stat(uri: string): Promise<ArtifactInfo | undefined>;
  list(prefix?: string): Promise<ArtifactInfo[]>;
  delete(uri: string): Promise<boolean>;
}

/** An ArtifactStore seen from one execution: relative paths land under `capstan://<flow>/<execution>/`. */
export function scopedUri(flowId: string, executionId: string, path: string): string {
  if (path.startsWith("capstan://")) return path;
  const clean = path.replace(/^\/+/, "");
  if (!clean || clean.split("/").some((s) => s === ".." || s === "")) {
    throw new CapstanError("CAPSTAN_USAGE", `artifact path "${path}" is not valid`, {
      hint: "use a relative path such as `models/model.bin` (no `..`, no empty segments)",
      retryable: false,
    });
  }
  return `capstan://${flowId}/${executionId}/${clean}`;
}

export class MemoryArtifactStore implements ArtifactStore {
  readonly #items = new Map<string, { data: Uint8Array; info: ArtifactInfo }>();

  async put(path: string, data: Uint8Array | string | AsyncIterable<Uint8Array>, options: { contentType?: string } = {}): Promise<ArtifactInfo> {
    const uri = path.startsWith("capstan://") ? path : `capstan://${path.replace(/^\/+/, "")}`;
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data instanceof Uint8Array ? data : await collect(data);
    const info: ArtifactInfo = {
      uri,
      size: bytes.byteLength,
      contentType: options.contentType ?? (typeof data === "string" ? "text/plain; charset=utf-8" : "application/octet-stream"),
      createdAt: new Date().toISOString(),
    };
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
    return [...this.#items.values()].filter((i) => i.info.uri.startsWith(prefix)).map((i) => i.info);
  }

  async delete(uri: string): Promise<boolean> {
    return this.#items.delete(uri);
  }
}

function notFound(uri: string): CapstanError {
  return new CapstanError("CAPSTAN_ARTIFACT_NOT_FOUND", `artifact ${uri} does not exist`, {
    hint: "check the URI; artifacts are scoped to the execution that wrote them",
    retryable: false,
  });
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of chunks) {
    parts.push(c);
    size += c.byteLength;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}
