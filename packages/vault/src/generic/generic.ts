/**
 * Generic `vault.read` and `vault.write` for any endpoint: a database role's rotation
 * (`database/rotate-role/<name>`), dynamic credentials (`database/creds/<role>`), PKI, transit...
 * Whatever Vault returns in `data` is registered for masking.
 *
 * @example
 * .step("rotate", vault.write({ path: "database/rotate-role/app" }))
 * .step("creds", vault.read({ path: "database/static-creds/app" }))   // steps.creds.data.password, masked
 */
import { z } from "zod";
import { CapstanError, defineTask, markSecret } from "@capstan/core";
import { VaultConnection, vaultClient } from "../connection.js";

const Output = z.object({
  /** The response's `data` (undefined for a 204). */
  data: z.record(z.string(), z.unknown()).optional(),
  leaseId: z.string().optional(),
  leaseDuration: z.number().optional(),
  renewable: z.boolean().optional(),
  warnings: z.array(z.string()).optional(),
});

type Out = z.output<typeof Output>;

function output(res: { data?: Record<string, unknown> | undefined; lease_id?: string | undefined; lease_duration?: number | undefined; renewable?: boolean | undefined; warnings?: string[] | null | undefined }): Out {
  return {
    ...(res.data ? { data: res.data } : {}),
    ...(res.lease_id ? { leaseId: res.lease_id, leaseDuration: res.lease_duration ?? 0, renewable: res.renewable ?? false } : {}),
    ...(res.warnings?.length ? { warnings: res.warnings } : {}),
  };
}

export const read = defineTask({
  type: "vault.read",
  description: "Reads any Vault path (GET /v1/<path>)",
  input: z.object({ path: z.string().min(1), ...VaultConnection }),
  output: Output,
  run: async (input, ctx) => {
    const client = await vaultClient(input, ctx);
    const res = await client.read(input.path);
    if (!res) throw new CapstanError("CAPSTAN_VAULT_NOT_FOUND", `Vault has nothing at ${input.path}`, { hint: "check the path (KV v2 reads go through secret/data/<path>, or use vault.kvRead) and the namespace", retryable: false });
    markSecret(ctx, res.data);
    ctx.log.info(`read ${input.path}`);
    return output(res);
  },
});

export const write = defineTask({
  type: "vault.write",
  description: "Writes to any Vault path (POST /v1/<path>), e.g. database/rotate-role/<name>",
  input: z.object({ path: z.string().min(1), data: z.record(z.string(), z.unknown()).default({}), ...VaultConnection }),
  output: Output,
  run: async (input, ctx) => {
    markSecret(ctx, input.data);
    const client = await vaultClient(input, ctx);
    const res = await client.write(input.path, input.data);
    markSecret(ctx, res.data);
    ctx.log.info(`wrote ${input.path}`);
    return output(res);
  },
});
