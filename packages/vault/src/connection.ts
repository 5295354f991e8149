/**
 * The Vault connection tasks share: address, namespace and auth from the task's parameters, else
 * the run's `services.vault`, else the environment (`VAULT_ADDR`, `VAULT_NAMESPACE`, and the
 * `VAULT_TOKEN` secret).
 */
import { z } from "zod";
import { CapstanError, isSecretRef, markSecret, toMs } from "@capstan/core";
import type { SecretRef, TaskContext } from "@capstan/core";
import { VaultClient } from "./client.js";
import type { VaultAuth } from "./client.js";

const duration = z.union([z.number().nonnegative(), z.string()]);

export const VaultAuthSchema = z.discriminatedUnion("method", [
  z.object({ method: z.literal("token"), token: z.string().min(1) }),
  z.object({ method: z.literal("approle"), roleId: z.string().min(1), secretId: z.string().min(1), mount: z.string().optional() }),
  z.object({ method: z.literal("kubernetes"), role: z.string().min(1), jwt: z.string().optional(), jwtFile: z.string().optional(), mount: z.string().optional() }),
]);

export const VaultConnection = {
  /** e.g. `https://vault.example.com:8200`. Default: `services.vault.address`, then `VAULT_ADDR`. */
  address: z.url().optional(),
  /** Vault Enterprise namespace. Default: `services.vault.namespace`, then `VAULT_NAMESPACE`. */
  namespace: z.string().optional(),
  /** Shorthand for `auth: { method: "token", token }`: pass a `secret(...)`. */
  token: z.string().optional(),
  /** Token, AppRole or Kubernetes service-account login. Default: the `VAULT_TOKEN` secret. */
  auth: VaultAuthSchema.optional(),
  /** Retries of 5xx/429 and network errors. Default 2. */
  retries: z.number().int().min(0).max(20).optional(),
  /** Per request. Default 30s. */
  timeout: duration.optional(),
};

type AuthWithRefs = { [K in keyof VaultAuth]: VaultAuth[K] } | Record<string, unknown>;

/** `run({ services: { vault: {...} } })`: defaults for every Vault task of the run. Secrets may be `secret(...)`. */
export interface VaultService {
  address?: string;
  namespace?: string;
  token?: string | SecretRef;
  auth?: AuthWithRefs;
  retries?: number;
  timeout?: number | string;
  retryDelay?: number | string;
}

type ConnectionInput = { address?: string | undefined; namespace?: string | undefined; token?: string | undefined; auth?: VaultAuth | undefined; retries?: number | undefined; timeout?: number | string | undefined };

export async function vaultClient(input: ConnectionInput, ctx: TaskContext): Promise<VaultClient> {
  const service = (ctx.services.vault ?? {}) as VaultService;
  const address = input.address ?? service.address ?? process.env.VAULT_ADDR;
  if (!address) {
    throw new CapstanError("CAPSTAN_USAGE", "no Vault address: pass address, set run({ services: { vault: { address } } }) or VAULT_ADDR", { retryable: false });
  }
  const namespace = input.namespace ?? service.namespace ?? process.env.VAULT_NAMESPACE;
  let auth: VaultAuth;
  if (input.auth) auth = input.auth;
  else if (input.token) auth = { method: "token", token: input.token };
  else if (service.auth) auth = VaultAuthSchema.parse(await resolveRefs(service.auth, ctx)) as VaultAuth;
  else if (service.token) auth = { method: "token", token: isSecretRef(service.token) ? await ctx.secret(service.token.name) : service.token };
  else auth = { method: "token", token: await ctx.secret("VAULT_TOKEN") };
  return new VaultClient({
    address,
    ...(namespace ? { namespace } : {}),
    auth,
    retries: input.retries ?? service.retries ?? 2,
    timeoutMs: toMs(input.timeout ?? service.timeout ?? "30s", "timeout"),
    retryDelayMs: toMs(service.retryDelay ?? "250ms", "retryDelay"),
    signal: ctx.signal,
    onToken: (token) => markSecret(ctx, token),
    onRetry: (message) => ctx.log.warn(message),
  });
}

async function resolveRefs(value: unknown, ctx: TaskContext): Promise<unknown> {
  if (isSecretRef(value)) return ctx.secret(value.name);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveRefs(v, ctx);
    return out;
  }
  return value;
}
