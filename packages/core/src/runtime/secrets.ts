/**
 * Secrets: `secret("NAME")` is a placeholder that may stand in any task parameter; it is resolved
 * at run time, just before the step runs, through the run's providers in order. A missing secret
 * fails the step before it runs, naming the secret and every provider tried (never a value).
 *
 * @example
 * flow({ id: "x" }).step("post", slack.postMessage({ token: secret("SLACK_TOKEN"), channel: "#ops", text: "hi" }))
 */
import { CapstanError, messageOf } from "../errors.js";

const SECRET = Symbol.for("capstan.secret");

export interface SecretRef {
  readonly [SECRET]: true;
  readonly name: string;
  /** Never prints the value: a SecretRef stringifies as `secret(NAME)`. */
  toString(): string;
  toJSON(): string;
}

export function secret(name: string): SecretRef {
  if (!/^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(name)) {
    throw new CapstanError("CAPSTAN_USAGE", `secret name "${name}" is not valid`, {
      hint: "secret names are letters, digits, '_', '.', '-' and '/', starting with a letter or '_'",
      retryable: false,
    });
  }
  return Object.freeze({
    [SECRET]: true as const,
    name,
    toString: () => `secret(${name})`,
    toJSON: () => `secret(${name})`,
  });
}

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SECRET] === true;
}

/** Where secret values come from. Return `undefined` when this provider does not know the name. */
export interface SecretProvider {
  readonly name: string;
  get(name: string): Promise<string | undefined> | string | undefined;
}

/**
 * `CAPSTAN_SECRET_<NAME>` from the environment (NAME upper-cased, non-alphanumerics as `_`).
 * A value prefixed `base64:` is decoded, so binary or multi-line secrets survive env quoting.
 */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): SecretProvider {
  return {
    name: "env (CAPSTAN_SECRET_<NAME>)",
    get(name) {
      const raw = env[`CAPSTAN_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`];
      if (raw === undefined) return undefined;
      return raw.startsWith("base64:") ? Buffer.from(raw.slice(7), "base64").toString("utf8") : raw;
    },
  };
}

/** A fixed map, for tests and for values a program already holds. */
export function staticSecrets(values: Record<string, string>, name = "static"): SecretProvider {
  return { name, get: (key) => values[key] };
}

export class SecretResolver {
  readonly #cache = new Map<string, Promise<string>>();
  readonly #onResolved: ((value: string, name: string) => void) | undefined;

  constructor(readonly providers: readonly SecretProvider[], onResolved?: (value: string, name: string) => void) {
    this.#onResolved = onResolved;
  }

  get(name: string): Promise<string> {
    let p = this.#cache.get(name);
    if (!p) {
      p = this.#lookup(name);
      this.#cache.set(name, p);
      // A failed lookup is not cached: the provider may recover (e.g. Vault was briefly down).
      p.catch(() => this.#cache.delete(name));
    }
    return p;
  }

  async #lookup(name: string): Promise<string> {
    for (const provider of this.providers) {
      let value: string | undefined;
      try {
        value = await provider.get(name);
      } catch (err) {
        // A provider that fails (Vault down, unreadable file) is not the same as a missing secret.
        if (err instanceof CapstanError && err.code === "CAPSTAN_SECRET_PROVIDER_FAILED") throw err;
        throw new CapstanError("CAPSTAN_SECRET_PROVIDER_FAILED", `secret "${name}": provider ${provider.name} failed: ${messageOf(err)}`, {
          hint: err instanceof CapstanError && err.hint ? err.hint : "check that the provider is reachable and configured",
          retryable: err instanceof CapstanError ? err.retryable : true,
          cause: err,
        });
      }
      if (value !== undefined && typeof value !== "string") {
        throw new CapstanError("CAPSTAN_SECRET_PROVIDER_FAILED", `secret "${name}": provider ${provider.name} returned a ${typeof value}, not a string`, { retryable: false });
      }
      if (value !== undefined) {
        this.#onResolved?.(value, name);
        return value;
      }
    }
    throw new CapstanError("CAPSTAN_SECRET_MISSING", `secret "${name}" was not found (tried: ${this.providers.map((p) => p.name).join(", ") || "no providers"})`, {
      hint: `set CAPSTAN_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")} or register a provider that has it`,
      retryable: false,
    });
  }

  /** Replaces every SecretRef inside `value` (deeply) with its resolved string. */
  async resolveDeep<T>(value: T): Promise<T> {
    if (!containsSecret(value)) return value;
    return (await this.#resolve(value)) as T;
  }

  async #resolve(value: unknown): Promise<unknown> {
    if (isSecretRef(value)) return this.get(value.name);
    if (Array.isArray(value)) return Promise.all(value.map((v) => this.#resolve(v)));
    if (isPlainObject(value)) {
      const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await this.#resolve(v)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  }
}

function containsSecret(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (isSecretRef(value)) return true;
  if (Array.isArray(value)) return value.some((v) => containsSecret(v, depth + 1));
  if (isPlainObject(value)) {
    for (const k in value) if (containsSecret(value[k], depth + 1)) return true;
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Where a task parameter of type T may also be given as a `secret(...)` placeholder. */
export type WithSecrets<T> = T extends string
  ? T | SecretRef
  : T extends readonly (infer E)[]
    ? T extends E[] ? WithSecrets<E>[] : readonly WithSecrets<E>[]
    : T extends Date | Uint8Array | ((...args: never[]) => unknown)
      ? T
      : T extends object
        ? { [K in keyof T]: WithSecrets<T[K]> }
        : T;
