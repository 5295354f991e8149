/**
 * Vault as a secrets provider: `secret("app/db/password")` reads the key `password` of the KV v2
 * secret `app/db` (the last segment is the key). Names without a slash are keys of one default
 * secret (`path`), e.g. `vaultSecrets({ path: "capstan/prod" })` serves `secret("SLACK_TOKEN")`.
 * A missing secret or key is `undefined`, so the next provider is tried; Vault being unreachable
 * or refusing the token fails the step with Vault's reason.
 *
 * @example
 * registerSecretProvider(vaultSecrets({ address: "https://vault:8200", auth: { method: "kubernetes", role: "capstan" }, path: "capstan/prod" }));
 */
import type { SecretProvider } from "@capstan/core";
import { CapstanError } from "@capstan/core";
import { VaultClient } from "../client.js";
import type { VaultAuth, KvSecret } from "../client.js";

export interface VaultSecretsOptions {
  /** Default `VAULT_ADDR`. */
  address?: string;
  /** Default `VAULT_NAMESPACE`. */
  namespace?: string;
  /** Default: the `VAULT_TOKEN` environment variable. */
  auth?: VaultAuth;
  /** KV v2 mount. Default `secret`. */
  mount?: string;
  /** The secret whose keys serve names without a slash. */
  path?: string;
  /** Keep what was read this long (ms): one read per secret per run. Default 60s; 0 reads every time. */
  cacheMs?: number;
  retries?: number;
  timeoutMs?: number;
}

export function vaultSecrets(options: VaultSecretsOptions = {}): SecretProvider {
  const address = options.address ?? process.env.VAULT_ADDR;
  if (!address) throw new CapstanError("CAPSTAN_USAGE", "vaultSecrets needs an address (or VAULT_ADDR)", { retryable: false });
  const token = process.env.VAULT_TOKEN;
  const auth = options.auth ?? (token ? { method: "token" as const, token } : undefined);
  if (!auth) throw new CapstanError("CAPSTAN_USAGE", "vaultSecrets needs auth (or VAULT_TOKEN)", { hint: 'e.g. auth: { method: "kubernetes", role: "capstan" }', retryable: false });
  const namespace = options.namespace ?? process.env.VAULT_NAMESPACE;
  const client = new VaultClient({ address, auth, ...(namespace ? { namespace } : {}), ...(options.retries !== undefined ? { retries: options.retries } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  const mount = options.mount ?? "secret";
  const cacheMs = options.cacheMs ?? 60_000;
  const cache = new Map<string, { at: number; value: Promise<KvSecret | undefined> }>();
  const readSecret = (path: string): Promise<KvSecret | undefined> => {
    const hit = cache.get(path);
    if (hit && Date.now() - hit.at <= cacheMs) return hit.value;
    const value = client.kvRead(mount, path);
    cache.set(path, { at: Date.now(), value });
    value.catch(() => cache.delete(path));
    return value;
  };
  return {
    name: `vault (${address.replace(/\/+$/, "")}${namespace ? ` ns ${namespace}` : ""}, ${mount}/)`,
    async get(name) {
      const slash = name.lastIndexOf("/");
      const path = slash === -1 ? options.path : name.slice(0, slash);
      const key = slash === -1 ? name : name.slice(slash + 1);
      if (!path || !key) return undefined;
      const secret = await readSecret(path);
      const value = secret?.data[key];
      if (value === undefined || value === null) return undefined;
      return typeof value === "string" ? value : JSON.stringify(value);
    },
  };
}
