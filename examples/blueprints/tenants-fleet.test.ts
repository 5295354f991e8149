/** The tenants blueprint with one emulated cluster per tenant, one of them faulty; inventory and Slack fakes. */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore } from "@capstan/core";
import { tenantsFleet } from "./tenants-fleet.ts";
import { startTenantsDemo, type TenantsDemo } from "./demo/tenants.ts";

let demo: TenantsDemo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

const image = (d: TenantsDemo, t: string) => {
  const dep = d.clusters[t]?.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "web" });
  return (dep?.["spec"] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image;
};
const status = (d: TenantsDemo, t: string) => d.clusters[t]?.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "web" })?.["status"];

describe("blueprint: tenants fleet", () => {
  it("updates the healthy tenants and rolls back only the faulty one, each on its own cluster", async () => {
    demo = await startTenantsDemo({ tenants: ["alpha", "beta", "gamma"], faulty: ["beta"] });
    const ex = await tenantsFleet.run({ inputs: { ...demo.inputs, readyTimeout: "2s", blastRadius: 2 }, services: demo.services, secrets: demo.secrets, storage: new MemoryArtifactStore() });
    expect(ex.error).toBeUndefined();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.report).toEqual({ updated: ["alpha", "gamma"], rolledBack: ["beta"] });
    expect(ex.steps.rollout?.items).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
    // Final objects: alpha and gamma run the new image; beta is back on the previous one, available again.
    expect(image(demo, "alpha")).toBe("ghcr.io/acme/web:1.5.0");
    expect(image(demo, "gamma")).toBe("ghcr.io/acme/web:1.5.0");
    expect(image(demo, "beta")).toBe("ghcr.io/acme/web:1.4.0");
    for (const t of ["alpha", "beta", "gamma"]) expect(status(demo, t)).toMatchObject({ availableReplicas: 2, updatedReplicas: 2 });
    // Requests: each cluster got the server-side apply; only beta got the rollback patch.
    for (const t of ["alpha", "beta", "gamma"]) {
      const c = demo.clusters[t]!;
      expect(c.requests.filter((r) => r.verb === "patch" && r.contentType === "application/apply-patch+yaml").map((r) => `${r.resource}/${r.name}`)).toEqual(["namespaces/web", "deployments/web"]);
      expect(c.requests.filter((r) => r.verb === "patch" && r.contentType === "application/json-patch+json")).toHaveLength(t === "beta" ? 1 : 0);
    }
    expect(demo.inventory.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(["GET /tenants 200"]);
    const texts = demo.slack.messages.map((m) => m.text ?? "").sort();
    expect(texts).toHaveLength(3);
    expect(texts[0]).toBe("alpha: ghcr.io/acme/web:1.5.0 is live");
    expect(texts[1]).toMatch(/^beta: ghcr\.io\/acme\/web:1\.5\.0 failed, rolled back to the previous revision: Deployment web\/web .* will not become ready: pod web-[a-z0-9-]+: container web: CrashLoopBackOff/);
    expect(texts[2]).toBe("gamma: ghcr.io/acme/web:1.5.0 is live");
    expect(JSON.stringify(ex)).not.toContain("demo-inventory-token");
  });

  it("never changes more tenants at once than the blast radius", async () => {
    demo = await startTenantsDemo({ tenants: ["a1", "a2", "a3", "a4"] });
    const ex = await tenantsFleet.run({ inputs: { ...demo.inputs, blastRadius: 1 }, services: demo.services, secrets: demo.secrets, storage: new MemoryArtifactStore() });
    expect(ex.state).toBe("SUCCESS");
    // With a radius of 1, each tenant's apply starts after the previous tenant finished.
    const starts = ["a1", "a2", "a3", "a4"].map((t) => demo!.clusters[t]!.requests.find((r) => r.verb === "patch")!.time);
    const ends = ["a1", "a2", "a3", "a4"].map((t) => Math.max(...demo!.clusters[t]!.requests.map((r) => r.time)));
    for (let i = 1; i < 4; i++) expect(starts[i]!).toBeGreaterThanOrEqual(ends[i - 1]!);
    expect(ex.outputs?.report.updated).toEqual(["a1", "a2", "a3", "a4"]);
  });
});
