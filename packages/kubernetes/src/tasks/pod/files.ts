/**
 * Files in and out of the pod. Input files (text, bytes, or artifacts) are checked before any pod
 * exists (a missing artifact fails the step at once instead of leaving a pod stuck), then sent as
 * one tar through exec into the waiting init container, which unpacks them into the working
 * directory and only then lets the pod go on. Output files are listed in the file container that
 * stays up after the main containers end, matched against the globs here, read back as tar and
 * stored as artifacts, byte for byte.
 */
import { PassThrough, Writable } from "node:stream";
import { z } from "zod";
import { CapstanError, type ArtifactStore, type Logger } from "@capstan/core";
import type { KubeClient } from "../../client/client.js";
import { execIn } from "./exec.js";
import { ENDED_MARKER, INIT_FILES, OUT_FILES, READY_MARKER, WORKING_DIR } from "./spec.js";
import { packTar, unpackTar, type TarFile } from "./tar.js";

export const inputFileSchema = z.union([
  z.string().describe("text, or a capstan:// artifact URI"),
  z.instanceof(Uint8Array).describe("bytes"),
  z.strictObject({ text: z.string() }),
  z.strictObject({ base64: z.string().regex(/^[A-Za-z0-9+/\s]*={0,2}\s*$/, "not base64") }),
  z.strictObject({ artifact: z.string().startsWith("capstan://") }),
]);
export type InputFileValue = z.infer<typeof inputFileSchema>;

/** `a/b.txt` for any harmless spelling of it; an error for absolute paths and `..`. */
export function relativePath(path: string): string {
  const parts = path.replace(/\\/g, "/").split("/").filter((p) => p !== "" && p !== ".");
  if (path.startsWith("/") || parts.length === 0 || parts.includes("..")) {
    throw new CapstanError("CAPSTAN_K8S_POD_INVALID", `podCreate: input file path "${path}" must be relative to the working directory, without ".."`, {
      hint: `input files land in ${WORKING_DIR}; name them like "data/input.csv"`,
      retryable: false,
    });
  }
  return parts.join("/");
}

/** Resolves every input file to its bytes or artifact, failing before any pod is created. */
export async function prepareInputFiles(files: Record<string, InputFileValue>, storage: ArtifactStore): Promise<TarFile[]> {
  const out: TarFile[] = [];
  const seen = new Set<string>();
  for (const [rawPath, value] of Object.entries(files)) {
    const path = relativePath(rawPath);
    if (seen.has(path)) throw new CapstanError("CAPSTAN_K8S_POD_INVALID", `podCreate: input file "${path}" is given twice`, { hint: "give each path once", retryable: false });
    seen.add(path);
    const uri = typeof value === "string" && value.startsWith("capstan://") ? value : typeof value === "object" && "artifact" in value ? value.artifact : undefined;
    if (uri !== undefined) {
      const info = await storage.stat(uri);
      if (!info) {
        throw new CapstanError("CAPSTAN_ARTIFACT_NOT_FOUND", `podCreate: input file "${path}" refers to artifact ${uri}, which does not exist`, {
          hint: "check the URI (artifacts are scoped to the execution that wrote them); no pod was created",
          retryable: false,
        });
      }
      out.push({ path, size: info.size, open: () => storage.stream(uri) });
      continue;
    }
    const bytes =
      typeof value === "string" ? Buffer.from(value, "utf8") : value instanceof Uint8Array ? value : "text" in value ? Buffer.from(value.text, "utf8") : Buffer.from((value as { base64: string }).base64, "base64");
    out.push({ path, size: bytes.byteLength, open: () => once(bytes) });
  }
  return out;
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

export interface TransferContext {
  client: KubeClient;
  namespace: string;
  pod: string;
  signal: AbortSignal;
  log: Logger;
  /** Attempts for a transfer that fails on the way (default 5). */
  attempts?: number;
  retryDelayMs?: number;
}

/** Unpacks the files into the working directory in the init container, then lets it exit. */
export async function uploadInputFiles(t: TransferContext, files: readonly TarFile[]): Promise<void> {
  const command = ["sh", "-c", `tar xf - -C ${WORKING_DIR} && touch ${READY_MARKER}`];
  const bytes = files.reduce((n, f) => n + f.size, 0);
  await withAttempts(t, "uploading input files", async () => {
    const res = await execIn(t.client, t.namespace, t.pod, INIT_FILES, command, { stdin: packTar(files), signal: t.signal });
    if (res.exitCode !== 0) throw filesError(`uploading input files into pod ${t.pod}: tar exited with code ${res.exitCode}${res.stderr ? `: ${res.stderr.trim()}` : ""}`);
  });
  t.log.info(`${files.length} input file${files.length === 1 ? "" : "s"} (${bytes} bytes) placed in ${WORKING_DIR}`);
}

/**
 * Stores the working directory's files that match the globs as artifacts under `prefix`;
 * returns relative path → artifact URI.
 */
export async function collectOutputFiles(t: TransferContext, patterns: readonly string[], storage: ArtifactStore, prefix: string): Promise<Record<string, string>> {
  const listing = await withAttempts(t, "listing output files", async () => {
    let text = "";
    const stdout = new Writable({
      write(chunk: Buffer, _e, cb) {
        text += chunk.toString("utf8");
        cb();
      },
    });
    const res = await execIn(t.client, t.namespace, t.pod, OUT_FILES, ["sh", "-c", `cd ${WORKING_DIR} && find . -type f`], { stdout, signal: t.signal });
    if (res.exitCode !== 0) throw filesError(`listing output files in pod ${t.pod}: find exited with code ${res.exitCode}${res.stderr ? `: ${res.stderr.trim()}` : ""}`);
    return text;
  });
  const all = listing
    .split("\n")
    .map((l) => l.replace(/^\.\//, ""))
    .filter((l) => l !== "" && l !== ".")
    .sort();
  // Loaded when a step has output files, not with the package (docs/performance.md).
  const { default: picomatch } = await import("picomatch");
  const matchers = patterns.map((p) => ({ pattern: p, match: picomatch(p.replace(/^\.\//, ""), { dot: true }) }));
  const wanted = all.filter((f) => matchers.some((m) => m.match(f)));
  for (const m of matchers) if (!all.some((f) => m.match(f))) t.log.warn(`outputFiles: "${m.pattern}" matched no file in ${WORKING_DIR}`);
  const uris: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i += BATCH) {
    const batch = wanted.slice(i, i + BATCH);
    await withAttempts(t, "reading output files", () => readBatch(t, batch, storage, prefix, uris));
  }
  if (wanted.length) t.log.info(`${wanted.length} output file${wanted.length === 1 ? "" : "s"} stored as artifacts`);
  return uris;
}

/** Names per exec: keeps the exec URL (one query parameter per name) well under server limits. */
const BATCH = 100;

async function readBatch(t: TransferContext, names: string[], storage: ArtifactStore, prefix: string, uris: Record<string, string>): Promise<void> {
  const stdout = new PassThrough();
  const unpacking = unpackTar(stdout, async (entry) => {
    const info = await storage.put(`${prefix}/${entry.path}`, entry.stream);
    uris[entry.path] = info.uri;
  });
  unpacking.catch(() => {
    // Reported through Promise.all below.
  });
  const exec = execIn(t.client, t.namespace, t.pod, OUT_FILES, ["tar", "cf", "-", "-C", WORKING_DIR, "--", ...names], { stdout, signal: t.signal }).catch((err: unknown) => {
    stdout.destroy(err as Error);
    throw err;
  });
  const [res] = await Promise.all([exec, unpacking]);
  if (res.exitCode !== 0) throw filesError(`reading output files from pod ${t.pod}: tar exited with code ${res.exitCode}${res.stderr ? `: ${res.stderr.trim()}` : ""}`);
  const missing = names.filter((n) => !(n in uris));
  if (missing.length) throw filesError(`reading output files from pod ${t.pod}: ${missing.join(", ")} missing from the archive`);
}

/** Lets the output-file container exit, so a kept pod reaches its final phase. */
export async function releaseOutputContainer(t: TransferContext): Promise<void> {
  await execIn(t.client, t.namespace, t.pod, OUT_FILES, ["touch", ENDED_MARKER], { signal: t.signal });
}

async function withAttempts<T>(t: TransferContext, what: string, fn: () => Promise<T>): Promise<T> {
  const attempts = t.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (t.signal.aborted || attempt >= attempts) throw err instanceof CapstanError ? err : filesError(`${what} in pod ${t.pod} failed: ${(err as Error)?.message ?? String(err)}`, err);
      t.log.warn(`${what} failed (attempt ${attempt} of ${attempts}), retrying: ${(err as Error)?.message ?? String(err)}`);
      await sleep((t.retryDelayMs ?? 200) * 2 ** (attempt - 1), t.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function filesError(message: string, cause?: unknown): CapstanError {
  return new CapstanError("CAPSTAN_K8S_POD_FILES", message, {
    hint: "the file containers need sh, tar, find and touch (busybox has them; set fileSidecar.image otherwise)",
    retryable: true,
    ...(cause !== undefined ? { cause } : {}),
  });
}
