/**
 * The multi-tenant pattern in core terms: fetch a tenant list, roll a change out to every tenant
 * with a blast-radius cap, roll back only the tenant that fails (its own errors branch), keep
 * going for the others, and report. The "cluster" is an in-memory map here; the Kubernetes
 * blueprint does the same with kubectl.apply against one cluster per tenant.
 *
 *   tsx examples/tenants.ts
 *   tsx examples/tenants.ts --input failing=beta,delta --input blastRadius=1
 */
import { z } from "zod";
import { defineTask, flow, main } from "@capstan/core";

/** Each tenant's live config revision, standing in for a cluster per tenant. */
export const revisions = new Map<string, number>();

export const applyRevision = defineTask({
  type: "demo.applyRevision",
  input: z.object({ tenant: z.string(), revision: z.number().int().positive(), broken: z.boolean().default(false) }),
  output: z.object({ tenant: z.string(), previous: z.number(), applied: z.number() }),
  run: async ({ tenant, revision, broken }, ctx) => {
    const previous = revisions.get(tenant) ?? 1;
    revisions.set(tenant, revision);
    ctx.log.info(`${tenant}: revision ${previous} -> ${revision}`);
    await new Promise((r) => setTimeout(r, 30));
    if (broken) throw new Error(`${tenant}: pods not ready after revision ${revision} (CrashLoopBackOff)`);
    return { tenant, previous, applied: revision };
  },
});

export const tenants = flow({
  id: "tenants",
  description: "Roll a revision out to every tenant; a failing tenant is rolled back alone",
  inputs: z.object({
    revision: z.number().int().positive().default(7).describe("config revision to roll out"),
    blastRadius: z.number().int().min(1).default(2).describe("tenants changed at once"),
    failing: z.array(z.string()).default(["gamma"]).describe("tenants whose rollout breaks (to watch the rollback)"),
  }),
})
  .step("inventory", ({ inputs }) => {
    // Stands in for an HTTP call to an inventory API.
    const all = ["alpha", "beta", "gamma", "delta", "epsilon"];
    for (const t of all) if (!revisions.has(t)) revisions.set(t, inputs.revision - 1);
    return all.map((name) => ({ name, broken: inputs.failing.includes(name) }));
  })
  .forEach(
    "rollout",
    ({ steps }) => steps.inventory,
    {
      concurrency: ({ inputs }) => inputs.blastRadius,
      onItemError: "continue",
      errors: (e) =>
        e.step("rollback", ({ item, error, log }) => {
          // Only this tenant: put its previous revision back.
          const previous = (revisions.get(item.name) ?? 2) - 1;
          revisions.set(item.name, previous);
          log.warn(`${item.name}: rolled back to revision ${previous} after: ${error.message}`);
          return { tenant: item.name, restored: previous };
        }),
    },
    (each) => each.step("apply", applyRevision(({ item, inputs }) => ({ tenant: item.name, revision: inputs.revision, broken: item.broken }))),
  )
  .step("report", ({ steps, log }) => {
    const ok = steps.rollout.filter((r) => r.ok).map((r) => r.item.name);
    const failed = steps.rollout.flatMap((r) => (r.ok ? [] : [`${r.item.name} (${r.error.message})`]));
    log.info(`updated: ${ok.join(", ") || "none"}`);
    if (failed.length) log.warn(`rolled back: ${failed.join("; ")}`);
    return { updated: ok, rolledBack: failed.length };
  });

export default main(import.meta, tenants);
