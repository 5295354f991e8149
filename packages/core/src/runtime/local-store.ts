/**
 * The default artifact store: a local directory (`.capstan/storage`). Content lives under
 * `objects/<flow>/<execution>/<path>`, its size, content type and sha256 under `meta/` beside it.
 * Writes stream to a temporary file that is renamed into place, so a reader never sees half an
 * artifact and a failed write leaves nothing behind.
 *
 * @example
 * await flow.run({ storage: new LocalArtifactStore("/var/lib/capstan/artifacts") });
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve, sep } from "node:path";
import { once } from "node:events";
import type { ArtifactData, ArtifactInfo, ArtifactStore } from "./storage.js";
import { Digest, chunksOf, contentTypeFor, notFound, toUri } from "./storage.js";
import { CapstanError, messageOf } from "../errors.js";

/** `CAPSTAN_STORAGE_DIR`, else `.capstan/storage` under the working directory. */
export function defaultStorageDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAPSTAN_STORAGE_DIR || ".capstan/storage";
}

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;

  /** Nothing is created until the first write. */
  constructor(root: string = defaultStorageDir()) {
    this.root = resolve(root);
  }

  async put(path: string, data: ArtifactData, options: { contentType?: string } = {}): Promise<ArtifactInfo> {
    const uri = toUri(path);
    const { object, meta } = this.#files(uri);
    const tmp = `${object}.${randomBytes(6).toString("hex")}.partial`;
    const digest = new Digest();
    try {
      await mkdir(dirname(object), { recursive: true });
      const out = createWriteStream(tmp);
      try {
        for await (const chunk of chunksOf(data)) {
          digest.update(chunk);
          // Respect back-pressure: a large stream is never held in memory.
          if (!out.write(chunk)) await Promise.race([once(out, "drain"), once(out, "error").then(([e]) => Promise.reject(e))]);
        }
        out.end();
        await once(out, "finish");
      } catch (err) {
        out.destroy();
        throw err;
      }
      const info: ArtifactInfo = { uri, size: digest.size, contentType: contentTypeFor(uri, data, options.contentType), createdAt: new Date().toISOString(), sha256: digest.hex() };
      await rename(tmp, object);
      await mkdir(dirname(meta), { recursive: true });
      await writeJson(meta, info);
      return info;
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof CapstanError) throw err;
      throw new CapstanError("CAPSTAN_ARTIFACT_WRITE_FAILED", `could not write artifact ${uri}: ${messageOf(err)}`, {
        hint: `check that ${this.root} is writable (set CAPSTAN_STORAGE_DIR or RunOptions.storageDir to move it)`,
        cause: err,
      });
    }
  }

  async get(uri: string): Promise<Uint8Array> {
    const { object } = this.#files(toUri(uri));
    try {
      return new Uint8Array(await readFile(object));
    } catch (err) {
      throw missing(err, uri);
    }
  }

  async *stream(uri: string): AsyncIterable<Uint8Array> {
    const { object } = this.#files(toUri(uri));
    const input = createReadStream(object, { highWaterMark: 64 * 1024 });
    try {
      for await (const chunk of input) yield new Uint8Array(chunk as Buffer);
    } catch (err) {
      throw missing(err, uri);
    } finally {
      input.destroy();
    }
  }

  async stat(uri: string): Promise<ArtifactInfo | undefined> {
    const { meta } = this.#files(toUri(uri));
    try {
      return JSON.parse(await readFile(meta, "utf8")) as ArtifactInfo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async list(prefix = "capstan://"): Promise<ArtifactInfo[]> {
    const rest = prefix.startsWith("capstan://") ? prefix.slice(10) : prefix;
    // Walk only the deepest directory the prefix names in full.
    const dirPart = rest.includes("/") ? rest.slice(0, rest.lastIndexOf("/")) : "";
    if (dirPart.split("/").some((s) => s === ".." || s === ".")) return [];
    const base = join(this.root, "meta", ...dirPart.split("/").filter(Boolean));
    let entries: string[];
    try {
      entries = await readdir(base, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw err;
    }
    const out: ArtifactInfo[] = [];
    for (const e of entries) {
      if (!e.endsWith(".json")) continue;
      const uri = `capstan://${[dirPart, e.slice(0, -5).split(sep).join("/")].filter(Boolean).join("/")}`;
      if (!uri.startsWith(`capstan://${rest}`)) continue;
      const info = await this.stat(uri).catch(() => undefined);
      if (info) out.push(info);
    }
    return out.sort((a, b) => (a.uri < b.uri ? -1 : 1));
  }

  async delete(uri: string): Promise<boolean> {
    const { object, meta } = this.#files(toUri(uri));
    const existed = (await this.stat(uri)) !== undefined;
    await rm(meta, { force: true });
    await rm(object, { force: true });
    return existed;
  }

  #files(uri: string): { object: string; meta: string } {
    const segments = uri.slice(10).split("/");
    return { object: join(this.root, "objects", ...segments), meta: `${join(this.root, "meta", ...segments)}.json` };
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString("hex")}.partial`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

function missing(err: unknown, uri: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "EISDIR" ? notFound(uri) : err;
}
