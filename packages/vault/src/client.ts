/**
 * A small Vault HTTP client on `fetch`: token, AppRole and Kubernetes service-account logins
 * (logged in lazily, once, and again when Vault says the token is no longer good), namespaces
 * (`X-Vault-Namespace`), KV v2 and generic reads and writes, retries of 5xx/429 (a standby or a
 * sealed node) and per-request timeouts. Vault's `{ errors: [...] }` become CapstanErrors.
 *
 * @example
 * const vault = new VaultClient({ address: "https://vault:8200", auth: { method: "approle", roleId, secretId } });
 * const secret = await vault.kvRead("secret", "app/db");
 */
import { readFile } from "node:fs/promises";
import { CapstanError, fetchWithRetry, requestError } from "@capstan/core";

/** Where a pod's service-account token is mounted. */
export const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export type VaultAuth =
  | { method: "token"; token: string }
  | { method: "approle"; roleId: string; secretId: string; mount?: string }
  | { method: "kubernetes"; role: string; jwt?: string; jwtFile?: string; mount?: string };

export interface VaultClientOptions {
  /** e.g. `https://vault.example.com:8200`. */
  address: string;
  namespace?: string;
  auth: VaultAuth;
  /** Retries of 5xx, 429 and network errors. Default 2. */
  retries?: number;
  /** First backoff delay. Default 250ms. */
  retryDelayMs?: number;
  /** Per attempt. Default 30s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told about every token obtained by a login, so it can be masked. */
  onToken?: (token: string) => void;
  onRetry?: (message: string) => void;
}

export interface KvSecret {
  data: Record<string, unknown>;
  metadata: { version: number; created_time: string; deletion_time: string; destroyed: boolean; custom_metadata?: Record<string, string> | null };
}

export interface KvMetadata {
  current_version: number;
  oldest_version: number;
  created_time: string;
  updated_time: string;
  max_versions: number;
  custom_metadata: Record<string, string> | null;
  versions: Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;
}

/** A whole Vault response body (`data`, `auth`, `lease_id`, ...). */
export interface VaultResponse<T = Record<string, unknown>> {
  data?: T;
  auth?: { client_token: string; lease_duration: number; renewable: boolean; policies?: string[] } | null;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  warnings?: string[] | null;
}

export class VaultClient {
  readonly address: string;
  readonly #options: VaultClientOptions;
  #token: Promise<string> | undefined;

  constructor(options: VaultClientOptions) {
    this.#options = options;
    this.address = options.address.replace(/\/+$/, "");
  }

  /** A token: the configured one, or a login's (cached until Vault rejects it). */
  token(): Promise<string> {
    if (!this.#token) {
      this.#token = this.#login();
      this.#token.catch(() => (this.#token = undefined));
    }
    return this.#token;
  }

  /** GET `/v1/<path>`; undefined when Vault answers 404. */
  read<T = Record<string, unknown>>(path: string, query?: Record<string, string>): Promise<VaultResponse<T> | undefined> {
    return this.request<T>("GET", path, { query, allow404: true });
  }

  /** POST `/v1/<path>` with `body`; a 204 gives an empty response. */
  async write<T = Record<string, unknown>>(path: string, body: Record<string, unknown> = {}): Promise<VaultResponse<T>> {
    return (await this.request<T>("POST", path, { body })) ?? {};
  }

  async kvRead(mount: string, path: string, version?: number): Promise<KvSecret | undefined> {
    const res = await this.read<KvSecret>(`${mount}/data/${path}`, version ? { version: String(version) } : undefined);
    return res?.data && res.data.data !== null ? res.data : undefined;
  }

  async kvWrite(mount: string, path: string, data: Record<string, unknown>, cas?: number): Promise<KvSecret["metadata"]> {
    const res = await this.write<KvSecret["metadata"]>(`${mount}/data/${path}`, { data, ...(cas !== undefined ? { options: { cas } } : {}) });
    return res.data!;
  }

  /** Keys under a folder (sub-folders end with `/`); empty when there is nothing. */
  async kvList(mount: string, path: string): Promise<string[]> {
    const res = await this.read<{ keys: string[] }>(`${mount}/metadata/${path}`, { list: "true" });
    return res?.data?.keys ?? [];
  }

  async kvMetadata(mount: string, path: string): Promise<KvMetadata | undefined> {
    return (await this.read<KvMetadata>(`${mount}/metadata/${path}`))?.data;
  }

  async request<T>(method: string, path: string, opts: { body?: unknown; query?: Record<string, string> | undefined; allow404?: boolean } = {}): Promise<VaultResponse<T> | undefined> {
    const clean = cleanPath(path);
    for (let relogin = this.#options.auth.method !== "token"; ; relogin = false) {
      const token = await this.token();
      const res = await this.#send(method, clean, { ...opts, token });
      // A login token that expired or was revoked: log in again once.
      if (res.status === 403 && relogin) {
        this.#token = undefined;
        continue;
      }
      if (res.status === 404 && opts.allow404) return undefined;
      if (res.status >= 400) throw vaultError(method, clean, res.status, res.body);
      return (res.body ?? {}) as VaultResponse<T>;
    }
  }

  async #send(method: string, path: string, opts: { body?: unknown; query?: Record<string, string> | undefined; token?: string }): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.address}/v1/${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { "x-vault-request": "true", accept: "application/json" };
    if (opts.token) headers["x-vault-token"] = opts.token;
    if (this.#options.namespace) headers["x-vault-namespace"] = this.#options.namespace;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const what = `Vault ${method} ${path}`;
    const timeoutMs = this.#options.timeoutMs ?? 30_000;
    const { response } = await fetchWithRetry(url, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) }, {
      retries: this.#options.retries ?? 2,
      retryDelayMs: this.#options.retryDelayMs ?? 250,
      timeoutMs,
      ...(this.#options.signal ? { signal: this.#options.signal } : {}),
      onRetry: ({ attempt, delayMs, reason }) => this.#options.onRetry?.(`${what} ${reason}; retry ${attempt} in ${delayMs}ms`),
    }).catch((err: unknown) => {
      throw err instanceof CapstanError && err.code === "CAPSTAN_HTTP_UNREACHABLE" ? new CapstanError("CAPSTAN_VAULT_UNREACHABLE", `${err.message.replace(/^\S+ \S+/, what)} (${this.address})`, { hint: "check the Vault address (VAULT_ADDR) and that Vault is reachable", retryable: true }) : err;
    });
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw requestError(what, err, timeoutMs);
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { errors: [text.slice(0, 200)] };
    }
    return { status: response.status, body };
  }

  async #login(): Promise<string> {
    const auth = this.#options.auth;
    if (auth.method === "token") return auth.token;
    let path: string;
    let body: Record<string, unknown>;
    if (auth.method === "approle") {
      path = `auth/${auth.mount ?? "approle"}/login`;
      body = { role_id: auth.roleId, secret_id: auth.secretId };
    } else {
      path = `auth/${auth.mount ?? "kubernetes"}/login`;
      body = { role: auth.role, jwt: auth.jwt ?? (await readJwt(auth.jwtFile ?? SERVICE_ACCOUNT_TOKEN)) };
    }
    const res = await this.#send("POST", path, { body });
    const token = (res.body as VaultResponse | undefined)?.auth?.client_token;
    if (res.status >= 400 || !token) {
      const err = vaultError("POST", path, res.status, res.body);
      throw new CapstanError("CAPSTAN_VAULT_AUTH_FAILED", `Vault ${auth.method} login failed: ${err.message.replace(/^.*?answered /, "")}`, {
        hint: auth.method === "approle" ? "check the AppRole role_id and secret_id (and the auth mount)" : `check the Kubernetes auth role "${auth.role}" and that it is bound to this service account`,
        retryable: res.status >= 500,
      });
    }
    this.#options.onToken?.(token);
    return token;
  }
}

async function readJwt(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (err) {
    throw new CapstanError("CAPSTAN_VAULT_AUTH_FAILED", `Vault kubernetes login: cannot read the service-account token at ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`, {
      hint: "run inside a pod with a service account, or pass jwt / jwtFile",
      retryable: false,
    });
  }
}

function cleanPath(path: string): string {
  const segments = path.replace(/^\/+|\/+$/g, "").replace(/^v1\//, "").split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new CapstanError("CAPSTAN_USAGE", `Vault path "${path}" is not valid`, { hint: "use a path such as secret/data/app or database/rotate-role/app", retryable: false });
  }
  return segments.map(encodeURIComponent).join("/");
}

export function vaultError(method: string, path: string, status: number, body: unknown): CapstanError {
  const errors = ((body as { errors?: unknown })?.errors ?? []) as unknown[];
  const reason = errors.map((e) => String(e).replace(/\s*\n\s*\*?\s*/g, " ").replace(/^1 error occurred:\s*/, "").trim()).filter(Boolean).join("; ") || `HTTP ${status}`;
  const hint =
    status === 403
      ? "the token (or login role) has no policy allowing this path, or it expired; check VAULT_TOKEN / the auth role and the namespace"
      : status === 404
        ? "nothing at this path: check the mount, the path and the namespace"
        : status === 400
          ? "Vault rejected the request's parameters"
          : status === 503
            ? "Vault is sealed or in standby; the step can be retried"
            : "see Vault's message";
  return new CapstanError(status === 404 ? "CAPSTAN_VAULT_NOT_FOUND" : "CAPSTAN_VAULT_ERROR", `Vault ${method} ${decodeURIComponent(path)} answered ${status}: ${reason}`, {
    hint,
    retryable: status >= 500 || status === 429,
    details: { status },
  });
}
