/**
 * The providers a run uses when `RunOptions.secrets` is not given: the environment, then the file
 * named by `CAPSTAN_SECRETS_FILE`, then the directory named by `CAPSTAN_SECRETS_DIR`, then every
 * provider registered with `registerSecretProvider` (Vault, a cloud secret manager, your own).
 *
 * @example
 * import { registerSecretProvider } from "@capstan/core";
 * import { vaultSecrets } from "@capstan/vault";
 * registerSecretProvider(vaultSecrets({ address: "https://vault:8200", auth: { method: "kubernetes", role: "capstan" } }));
 */
import type { SecretProvider } from "./secrets.js";
import { envSecrets } from "./secrets.js";
import { dirSecrets, fileSecrets } from "./secret-files.js";
import { CapstanError } from "../errors.js";

const registered: SecretProvider[] = [];

/** Adds a provider to the defaults of every later run in this process. Returns a function that removes it. */
export function registerSecretProvider(provider: SecretProvider): () => void {
  if (typeof provider?.get !== "function" || typeof provider.name !== "string") {
    throw new CapstanError("CAPSTAN_USAGE", "registerSecretProvider expects { name: string, get(name): string | undefined | Promise<...> }", { retryable: false });
  }
  registered.push(provider);
  return () => {
    const i = registered.indexOf(provider);
    if (i !== -1) registered.splice(i, 1);
  };
}

export function defaultSecretProviders(env: NodeJS.ProcessEnv = process.env): SecretProvider[] {
  const providers = [envSecrets(env)];
  if (env.CAPSTAN_SECRETS_FILE) providers.push(fileSecrets(env.CAPSTAN_SECRETS_FILE));
  if (env.CAPSTAN_SECRETS_DIR) providers.push(dirSecrets(env.CAPSTAN_SECRETS_DIR));
  return [...providers, ...registered];
}
