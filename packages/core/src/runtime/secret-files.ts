/**
 * Secrets from files: one secrets file (YAML, JSON or `.env`), or a directory with one file per
 * secret, such as a mounted Kubernetes Secret.
 *
 * @example
 * flow.run({ secrets: [envSecrets(), fileSecrets(".secrets.yaml"), dirSecrets("/var/run/secrets/app")] });
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import type { SecretProvider } from "./secrets.js";
import { CapstanError, messageOf } from "../errors.js";

export interface FileSecretsOptions {
  /** Default: from the extension (`.json`, `.yaml`/`.yml`), otherwise `.env` syntax. */
  format?: "yaml" | "json" | "env";
}

/**
 * A secrets file. YAML and JSON hold a map of names to values; nested maps give dotted names
 * (`slack: { token: x }` is `slack.token`). A Kubernetes Secret manifest (`kind: Secret`) is read
 * as its `data` (base64-decoded) and `stringData`. A value written `base64:...` is decoded, as in
 * the environment. The file is read on first use and again when it changes.
 */
export function fileSecrets(path: string, options: FileSecretsOptions = {}): SecretProvider {
  const file = resolve(path);
  const format = options.format ?? formatOf(file);
  let cache: { mtimeMs: number; values: Map<string, string> } | undefined;
  const load = async (): Promise<Map<string, string>> => {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      throw providerError(`secrets file ${file} does not exist`, "create it or fix the path (CAPSTAN_SECRETS_FILE or fileSecrets(path))");
    }
    if (cache?.mtimeMs === mtimeMs) return cache.values;
    let values: Map<string, string>;
    try {
      values = await parseSecretsFile(readFileSync(file, "utf8"), format);
    } catch (err) {
      // The parser's message may quote a line of the file: say where, never what.
      const where = /line \d+,? column \d+|position \d+/.exec(messageOf(err))?.[0];
      throw providerError(`secrets file ${file} is not valid ${format.toUpperCase()}${where ? ` (${where})` : ""}`, "check its syntax");
    }
    cache = { mtimeMs, values };
    return values;
  };
  return { name: `file (${file})`, get: async (name) => lookup(await load(), name) };
}

export interface DirSecretsOptions {
  /**
   * Remove one trailing newline from each value (files written with `echo` end with one).
   * Default true; set false to keep the exact bytes.
   */
  trimNewline?: boolean;
}

/**
 * A directory with one file per secret: the file name is the secret's name, its content the value.
 * A mounted Kubernetes Secret has exactly this layout (`volumes[].secret`). `secret("db/password")`
 * reads `<dir>/db/password`. Files are read when asked for, so a rotated mount is seen at once.
 */
export function dirSecrets(dir: string, options: DirSecretsOptions = {}): SecretProvider {
  const root = resolve(dir);
  const trim = options.trimNewline ?? true;
  const read = (file: string): string | undefined => {
    try {
      const value = readFileSync(file, "utf8");
      return trim && value.endsWith("\n") ? value.slice(0, value.endsWith("\r\n") ? -2 : -1) : value;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "EISDIR") return undefined;
      throw providerError(`secrets directory ${root}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`, "check the file's permissions");
    }
  };
  return {
    name: `directory (${root})`,
    get(name) {
      const segments = name.split("/");
      // Names never climb out of the directory, and hidden entries (`..data` in a mount) are not secrets.
      if (segments.some((s) => s === "" || s.startsWith("."))) return undefined;
      const exact = read(join(root, ...segments));
      if (exact !== undefined || segments.length > 1) return exact;
      let entries: string[];
      try {
        entries = readdirSync(root);
      } catch {
        throw providerError(`secrets directory ${root} does not exist`, "mount it or fix the path (CAPSTAN_SECRETS_DIR or dirSecrets(dir))");
      }
      const match = entries.find((e) => !e.startsWith(".") && normalize(e) === normalize(name));
      return match === undefined ? undefined : read(join(root, match));
    },
  };
}

function formatOf(file: string): "yaml" | "json" | "env" {
  const ext = extname(file).toLowerCase();
  return ext === ".json" ? "json" : ext === ".yaml" || ext === ".yml" ? "yaml" : "env";
}

/** Parses a secrets file into flat name → value pairs (the YAML parser is loaded on first use). */
export async function parseSecretsFile(text: string, format: "yaml" | "json" | "env"): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (format === "env") {
    for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined) out.set(k, decodeValue(v));
    return out;
  }
  const doc: unknown = format === "json" ? JSON.parse(text) : (await import("yaml")).parse(text);
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error("expected a map of names to values");
  const obj = doc as Record<string, unknown>;
  if (obj.kind === "Secret" && (typeof obj.data === "object" || typeof obj.stringData === "object")) {
    for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) out.set(k, Buffer.from(String(v), "base64").toString("utf8"));
    for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, unknown>)) out.set(k, String(v));
    return out;
  }
  flatten(obj, "", out);
  return out;
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Map<string, string>): void {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix + k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${name}.`, out);
    else if (v !== null && v !== undefined) out.set(name, typeof v === "string" ? decodeValue(v) : typeof v === "object" ? JSON.stringify(v) : String(v));
  }
}

/** `base64:` values are decoded, as in the environment provider. */
export function decodeValue(raw: string): string {
  return raw.startsWith("base64:") ? Buffer.from(raw.slice(7), "base64").toString("utf8") : raw;
}

/** Exact name first, then the same name in any case with `-`, `.`, `/` and `_` alike. */
function lookup(values: Map<string, string>, name: string): string | undefined {
  const exact = values.get(name);
  if (exact !== undefined) return exact;
  const want = normalize(name);
  for (const [k, v] of values) if (normalize(k) === want) return v;
  return undefined;
}

export function normalize(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function providerError(message: string, hint: string): CapstanError {
  return new CapstanError("CAPSTAN_SECRET_PROVIDER_FAILED", message, { hint, retryable: false });
}
