/** The promote blueprint on two emulated clusters (staging, prod) and the GitHub fake: both branches of the gate. */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore } from "@capstan/core";
import { promote } from "./promote.ts";
import { startPromoteDemo, type PromoteDemo } from "./demo/promote.ts";

let demo: PromoteDemo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const web = (c: PromoteDemo["staging"]) => c.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "web" });
const applies = (c: PromoteDemo["staging"]) => c.requests.filter((r) => r.verb === "patch" && r.contentType === "application/apply-patch+yaml").map((r) => `${r.resource}/${r.name}`);

async function run(crashOnStaging: boolean) {
  demo = await startPromoteDemo();
  if (crashOnStaging) demo.staging.programs.register("ghcr.io/acme/web:*", (ctx) => (ctx.stderr.write("panic: config key DATABASE_URL missing\n"), 2));
  const ex = await promote.run({ inputs: { readyTimeout: crashOnStaging ? "2s" : "20s" }, services: demo.services, secrets: demo.secrets, storage: new MemoryArtifactStore() });
  return { ex, demo };
}

describe("blueprint: promote staging to prod", () => {
  it("applies to staging, sees every replica ready, and applies the same manifest to prod", async () => {
    const { ex, demo } = await run(false);
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.gate.taken).toBe("then");
    expect(ex.outputs?.summary).toMatchObject({ ready: 3, desired: 3 });
    expect(applies(demo.staging)).toEqual(["namespaces/web", "deployments/web"]);
    expect(applies(demo.prod)).toEqual(["namespaces/web", "deployments/web"]);
    for (const c of [demo.staging, demo.prod]) {
      expect((web(c)?.metadata.managedFields as { manager?: string }[] | undefined)?.map((f) => f.manager)).toContain("capstan");
      expect(web(c)?.["status"]).toMatchObject({ readyReplicas: 3, availableReplicas: 3 });
    }
    expect(demo.github.issues).toEqual([]);
  });

  it("opens a GitHub issue with the namespace, Deployment and pod statuses, leaves prod alone, and fails", async () => {
    const { ex, demo } = await run(true);
    expect(ex.state).toBe("FAILED");
    expect(ex.steps.staging).toMatchObject({ state: "FAILED", allowed: true });
    // Fails early (CAPSTAN_K8S_NOT_READY) or when the wait runs out: either way the gate reads the Deployment.
    expect(ex.steps.staging?.error?.code).toBe("CAPSTAN_K8S_NOT_READY");
    expect(ex.steps["gate.else.issue"]?.state).toBe("SUCCESS");
    expect(ex.error).toMatchObject({ stepPath: "gate.else.stop" });
    expect(ex.error?.message).toMatch(/^staging web\/web has 0\/3 ready replicas; not promoted \(https:\/\/\S+\/acme\/web\/issues\/1\)$/);
    expect(applies(demo.prod)).toEqual([]);
    expect(web(demo.prod)).toBeUndefined();
    const [issue] = demo.github.issues;
    expect(demo.github.issues).toHaveLength(1);
    expect(issue?.title).toBe("ghcr.io/acme/web:1.5.0 not promoted: staging web/web has 0/3 ready");
    expect(issue?.labels).toEqual(["release", "staging"]);
    expect(issue?.body).toContain(`Namespace: \`web\`, Deployment: \`web\`, image \`ghcr.io/acme/web:1.5.0\` (execution ${ex.id}).`);
    const podLines = (issue?.body ?? "").split("\n").filter((l) => l.startsWith("- ")) ?? [];
    expect(podLines).toHaveLength(3);
    for (const line of podLines) expect(line).toMatch(/^- web-[a-z0-9]+-[a-z0-9]+: Running, not Ready; web: CrashLoopBackOff \(restarts \d+\)$/);
  });
});
