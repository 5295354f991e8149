/**
 * The tar archives that carry files into and out of a pod (the format `tar` in the file
 * containers reads and writes). Packing streams each file's bytes as they come, so an input file
 * read from artifact storage is never held whole; unpacking hands each file to the caller as a
 * stream in archive order. tar-stream is loaded when a pod step has files, not with the package.
 */
import { once } from "node:events";
import type { Readable } from "node:stream";

export interface TarFile {
  /** Relative path inside the archive, `/`-separated. */
  path: string;
  size: number;
  /** Its bytes (called once, when the file's turn comes). */
  open(): AsyncIterable<Uint8Array>;
  mode?: number;
}

/** A tar archive of these files (with entries for their parent directories), as chunks. */
export async function* packTar(files: readonly TarFile[]): AsyncIterable<Uint8Array> {
  const tar = await import("tar-stream");
  const pack = tar.pack();
  const mtime = new Date();
  const write = async () => {
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join("/");
        if (dirs.has(dir)) continue;
        dirs.add(dir);
        pack.entry({ name: `${dir}/`, type: "directory", mode: 0o755, mtime });
      }
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: f.path, type: "file", size: f.size, mode: f.mode ?? 0o644, mtime }, (err) => (err ? reject(err) : resolve()));
        entry.on("error", reject);
        (async () => {
          for await (const chunk of f.open()) {
            if (!entry.write(chunk)) await once(entry, "drain");
          }
          entry.end(() => {});
        })().catch(reject);
      });
    }
    pack.finalize();
  };
  write().catch((err: unknown) => pack.destroy(err as Error));
  yield* pack as AsyncIterable<Uint8Array>;
}

export interface TarEntry {
  path: string;
  size: number;
  stream: AsyncIterable<Uint8Array>;
}

/**
 * Calls `onFile` for each regular file of the archive on `source`, one at a time; the entry's
 * stream must be consumed (or it is skipped when `onFile` returns without reading it).
 */
export async function unpackTar(source: Readable, onFile: (entry: TarEntry) => Promise<void>): Promise<void> {
  const tar = await import("tar-stream");
  const extract = tar.extract();
  source.on("error", (err) => extract.destroy(err));
  source.pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    if (h.type === "file" || h.type === "contiguous-file" || h.type == null) {
      await onFile({ path: h.name.replace(/^(\.\/)+/, ""), size: h.size ?? 0, stream: entry as AsyncIterable<Uint8Array> });
    }
    // Whatever onFile did not read (and non-file entries) is drained so the next entry comes.
    entry.resume();
  }
}
