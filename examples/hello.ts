/**
 * The core demo: a release flow with typed outputs, a forEach fan-out with a concurrency cap, a
 * retried flaky step, an if on an earlier value, parallel checks, and errors/finally. No cluster
 * needed: the work is simulated with short delays.
 *
 *   npm run demo                                  # via the README
 *   tsx examples/hello.ts --input version=1.4.2 --input regions=eu,us,ap,sa
 *   tsx examples/hello.ts --help                  # inputs with their types
 *   tsx examples/hello.ts --output json           # one JSON event per line
 */
import { z } from "zod";
import { defineTask, flow, main } from "@capstan/core";

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

/** A reusable task, as integration packages define them: validated input, typed output. */
export const deploy = defineTask({
  type: "demo.deploy",
  description: "Pretends to roll a version out to one region",
  input: z.object({ region: z.string().min(2), version: z.string().regex(/^\d+\.\d+\.\d+$/, "expected a semantic version like 1.2.3") }),
  run: async ({ region, version }, ctx) => {
    ctx.log.info(`rolling ${version} out to ${region}`);
    await pause(150 + region.length * 40, ctx.signal);
    return { region, version, healthy: region !== "sa" || version !== "0.0.1", replicas: 3 };
  },
});

let registryCalls = 0;

export const release = flow({
  id: "release",
  description: "Roll a version out region by region, then decide whether to announce it",
  inputs: z.object({
    version: z.string().default("1.4.2").describe("semantic version to release"),
    regions: z.array(z.string()).default(["eu", "us", "ap"]).describe("regions to roll out to, in order"),
    parallelism: z.number().int().min(1).default(2).describe("regions rolled out at once"),
  }),
  labels: { team: "platform" },
})
  .step("resolve", async ({ inputs, log, signal }) => {
    // Flaky on the first try, like a registry that rate-limits: the retry policy absorbs it.
    if (++registryCalls === 1) throw new Error("registry answered 503");
    await pause(120, signal);
    log.info(`image registry.example.com/app:${inputs.version} found`);
    return { image: `registry.example.com/app:${inputs.version}`, digest: "sha256:4f2a9c" };
  }, { retry: { attempts: 3, backoff: "exponential", delay: "200ms" }, timeout: "10s" })
  .parallel("checks", {
    quota: (b) => b.step("quota", async ({ signal }) => (await pause(200, signal), { cpuFree: 0.62 })),
    policy: (b) => b.step("policy", async ({ steps, signal }) => (await pause(260, signal), { allowed: steps.resolve.digest.startsWith("sha256:") })),
  })
  .forEach("rollout", ({ inputs }) => inputs.regions, { concurrency: ({ inputs }) => inputs.parallelism }, (each) =>
    each.step("deploy", deploy(({ item, inputs }) => ({ region: item, version: inputs.version }))),
  )
  .if(
    "announce",
    ({ steps }) => steps.checks.policy.policy.allowed && steps.rollout.every((r) => r.deploy.healthy),
    (then) => then.step("post", ({ steps, log }) => {
      const text = `released ${steps.resolve.image} to ${steps.rollout.map((r) => r.deploy.region).join(", ")}`;
      log.info(text);
      return { text };
    }),
    (otherwise) => otherwise.step("hold", ({ steps }) => ({ unhealthy: steps.rollout.filter((r) => !r.deploy.healthy).map((r) => r.deploy.region) })),
  )
  .errors((e) => e.step("page", ({ error, log }) => log.error(`release failed at ${error.path}: ${error.message}`)))
  .finally((f) => f.step("cleanup", ({ log }) => log.info("temporary credentials revoked")));

export default main(import.meta, release);
