/** examples/integrations.ts against the fakes, both outcomes, as CI runs it. */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryArtifactStore, staticSecrets } from "@capstan/core";
import { rotateAndReport, startDemoServices } from "./integrations.ts";

let demo: Awaited<ReturnType<typeof startDemoServices>> | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

async function run(notReady: string[]) {
  demo = await startDemoServices(notReady);
  const ex = await rotateAndReport.run({
    inputs: { inventory: demo.inventory.url },
    secrets: [staticSecrets(demo.secrets)],
    services: demo.services,
    storage: new MemoryArtifactStore(),
  });
  return { ex, demo };
}

describe("examples/integrations", () => {
  it("rotates, checks every tenant, posts to Slack with the report and sets a success status", async () => {
    const { ex, demo } = await run([]);
    expect(ex.error).toBeUndefined();
    expect(demo.vault.rotations).toEqual(["app"]);
    expect(demo.slack.messages.map((m) => m.text)).toEqual(["rotated app; all 3 tenants ready"]);
    expect(demo.slack.files[0]?.bytes?.toString()).toBe("alpha\tready\nbeta\tready\ngamma\tready\n");
    expect(demo.github.statuses.map((s) => s.state)).toEqual(["success"]);
    expect(demo.github.issues).toHaveLength(0);
    expect(JSON.stringify(ex)).not.toMatch(/app-user-pw|xoxb-demo|ghp_demo|demo-vault-token|demo-inventory-token/);
  });

  it("opens an issue, fails the status and says so in Slack when a tenant is not ready", async () => {
    const { ex, demo } = await run(["beta"]);
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.outcome.taken).toBe("else");
    expect(demo.github.issues.map((i) => [i.title, i.body, i.labels])).toEqual([["tenants not ready after rotating app", "- beta", ["rotation"]]]);
    expect(demo.github.statuses.map((s) => [s.state, s.description])).toEqual([["failure", "1 tenant(s) not ready"]]);
    expect(demo.slack.messages[0]?.text).toBe("rotated app; not ready: beta (https://github.example/acme/app/issues/1)");
  });
});
