/**
 * KV v2 tasks: `vault.kvRead`, `vault.kvWrite`, `vault.kvList`, `vault.kvMetadata`. Values read or
 * written are registered for masking: they never show in logs, events or stored outputs (steps
 * still receive them in-process).
 *
 * @example
 * .step("read", vault.kvRead({ path: "app/db" }))                                   // mount "secret"
 * .step("write", vault.kvWrite(({ steps }) => ({ path: "app/db", data: { password: steps.gen.password }, cas: steps.read.version })))
 * .step("list", vault.kvList({ mount: "kv", path: "tenants/" }))
 */
import { z } from "zod";
import { CapstanError, defineTask, markSecret } from "@capstan/core";
import { VaultConnection, vaultClient } from "../connection.js";

const location = {
  /** KV v2 mount. Default `secret`. */
  mount: z.string().min(1).default("secret"),
  /** Path inside the mount, e.g. `app/db`. */
  path: z.string().min(1),
};

export const kvRead = defineTask({
  type: "vault.kvRead",
  description: "Reads a KV v2 secret (latest or a given version)",
  input: z.object({ ...location, version: z.number().int().positive().optional(), ...VaultConnection }),
  output: z.object({ data: z.record(z.string(), z.unknown()), version: z.number(), createdTime: z.string() }),
  run: async (input, ctx) => {
    const client = await vaultClient(input, ctx);
    const secret = await client.kvRead(input.mount, input.path, input.version);
    if (!secret) {
      throw new CapstanError("CAPSTAN_VAULT_NOT_FOUND", `Vault has no secret at ${input.mount}/${input.path}${input.version ? ` (version ${input.version})` : ""}`, {
        hint: "check the mount, the path and the namespace; a deleted version reads as missing",
        retryable: false,
      });
    }
    markSecret(ctx, secret.data);
    ctx.log.info(`read ${input.mount}/${input.path} version ${secret.metadata.version} (${Object.keys(secret.data).length} keys)`);
    return { data: secret.data, version: secret.metadata.version, createdTime: secret.metadata.created_time };
  },
});

export const kvWrite = defineTask({
  type: "vault.kvWrite",
  description: "Writes a new version of a KV v2 secret",
  input: z.object({
    ...location,
    data: z.record(z.string(), z.unknown()),
    /** Check-and-set: write only if the current version is this (0: only if it does not exist). */
    cas: z.number().int().min(0).optional(),
    ...VaultConnection,
  }),
  output: z.object({ version: z.number(), createdTime: z.string() }),
  run: async (input, ctx) => {
    markSecret(ctx, input.data);
    const client = await vaultClient(input, ctx);
    const meta = await client.kvWrite(input.mount, input.path, input.data, input.cas);
    ctx.log.info(`wrote ${input.mount}/${input.path} version ${meta.version}`);
    return { version: meta.version, createdTime: meta.created_time };
  },
});

export const kvList = defineTask({
  type: "vault.kvList",
  description: "Lists the keys under a KV v2 folder",
  input: z.object({ mount: location.mount, path: z.string().default(""), ...VaultConnection }),
  output: z.object({ keys: z.array(z.string()) }),
  run: async (input, ctx) => {
    const client = await vaultClient(input, ctx);
    const keys = await client.kvList(input.mount, input.path.replace(/\/+$/, ""));
    return { keys };
  },
});

export const kvMetadata = defineTask({
  type: "vault.kvMetadata",
  description: "Reads a KV v2 secret's metadata: versions and their times",
  input: z.object({ ...location, ...VaultConnection }),
  output: z.object({
    currentVersion: z.number(),
    oldestVersion: z.number(),
    createdTime: z.string(),
    updatedTime: z.string(),
    customMetadata: z.record(z.string(), z.string()).nullable(),
    versions: z.record(z.string(), z.object({ createdTime: z.string(), deletionTime: z.string(), destroyed: z.boolean() })),
  }),
  run: async (input, ctx) => {
    const client = await vaultClient(input, ctx);
    const m = await client.kvMetadata(input.mount, input.path);
    if (!m) throw new CapstanError("CAPSTAN_VAULT_NOT_FOUND", `Vault has no secret at ${input.mount}/${input.path}`, { hint: "check the mount, the path and the namespace", retryable: false });
    return {
      currentVersion: m.current_version,
      oldestVersion: m.oldest_version,
      createdTime: m.created_time,
      updatedTime: m.updated_time,
      customMetadata: m.custom_metadata,
      versions: Object.fromEntries(Object.entries(m.versions).map(([k, v]) => [k, { createdTime: v.created_time, deletionTime: v.deletion_time, destroyed: v.destroyed }])),
    };
  },
});
