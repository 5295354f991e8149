/**
 * @capstan/vault: HashiCorp Vault over plain HTTP. KV v2 tasks (`kvRead`, `kvWrite`, `kvList`,
 * `kvMetadata`), generic `read`/`write` for any endpoint (`database/rotate-role/<name>`), token,
 * AppRole and Kubernetes auth, namespaces, and `vaultSecrets()`, a secrets provider. Everything
 * read from Vault is masked in logs, events and stored outputs.
 *
 * @example
 * import { flow, secret } from "@capstan/core";
 * import { vault } from "@capstan/vault";
 *
 * flow({ id: "rotate" })
 *   .step("rotate", vault.write({ path: "database/rotate-role/app", address: "https://vault:8200", token: secret("VAULT_TOKEN") }))
 *   .step("creds", vault.read({ path: "database/static-creds/app" }));  // address/auth from services.vault or VAULT_ADDR + VAULT_TOKEN
 *
 * @module
 */
import { kvList, kvMetadata, kvRead, kvWrite } from "./kv/kv.js";
import { read, write } from "./generic/generic.js";

export const vault = { kvRead, kvWrite, kvList, kvMetadata, read, write } as const;
export { kvRead, kvWrite, kvList, kvMetadata } from "./kv/kv.js";
export { read, write } from "./generic/generic.js";
export { vaultSecrets } from "./provider/provider.js";
export type { VaultSecretsOptions } from "./provider/provider.js";
export { VaultClient, vaultError, SERVICE_ACCOUNT_TOKEN } from "./client.js";
export type { VaultAuth, VaultClientOptions, KvSecret, KvMetadata, VaultResponse } from "./client.js";
export { vaultClient, VaultConnection, VaultAuthSchema } from "./connection.js";
export type { VaultService } from "./connection.js";
