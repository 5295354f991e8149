/**
 * A triggered flow: rotate a database credential every Monday at 03:00 Berlin time, on demand
 * through a webhook, and announce each rotation with a second flow chained after it. No cluster or
 * Vault needed: the work is simulated.
 *
 *   tsx examples/scheduled.ts --input database=orders          # one manual run, recorded in .capstan/
 *   CAPSTAN_SECRET_ROTATE_HOOK_KEY=... capstan serve examples/scheduled.ts
 *   curl -X POST -H "Authorization: Bearer $KEY" -d '{"database":"billing"}' localhost:8080/webhooks/rotate?wait=true
 */
import { z } from "zod";
import { after, flow, main, manual, schedule, secret, webhook } from "@capstan/core";

export const rotate = flow({
  id: "rotate-credentials",
  description: "Rotate a database's credential and roll the apps that use it",
  inputs: z.object({
    database: z.string().min(1).default("orders").describe("database whose credential rotates"),
    apps: z.array(z.string()).default(["api", "worker"]).describe("deployments to restart"),
  }),
  labels: { team: "platform" },
  triggers: [
    // A missed Monday (server down) is made up once when the server comes back, not once per week missed.
    schedule({ cron: "0 3 * * 1", timezone: "Europe/Berlin", catchUp: "last" }),
    webhook({ path: "rotate", key: secret("ROTATE_HOOK_KEY") }),
    manual(),
  ],
})
  .step("rotate", ({ inputs, execution, log }) => {
    const version = `v${execution.startedAt.toISOString().slice(0, 10)}`;
    log.info(`rotated ${inputs.database} credential to ${version}`);
    return { database: inputs.database, version };
  }, { idempotent: false })
  .forEach("restart", ({ inputs }) => inputs.apps, { concurrency: 2 }, (each) =>
    each.step("rollout", ({ item, steps }) => ({ app: item, credential: steps.rotate.version })),
  );

export const announce = flow({
  id: "announce-rotation",
  inputs: z.object({ text: z.string() }),
  triggers: [after(rotate, { on: "success", inputs: (out) => ({ text: `${out?.rotate.database} credential is now ${out?.rotate.version}; restarted ${out?.restart.map((r) => r.rollout.app).join(", ")}` }) })],
}).step("post", ({ inputs, log }) => (log.info(inputs.text), { posted: inputs.text }));

export default main(import.meta, rotate);
