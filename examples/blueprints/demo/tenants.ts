/** Demo environment of the tenants blueprint: one emulated cluster per tenant (running the previous release), the inventory API, Slack. */
import { startFakeSlack, startInventoryServer, type FakeSlack, type InventoryServer, type MockCluster } from "@capstan/testing";
import { closeAll, demoCluster, demoSecrets, DEMO_SECRETS, type DemoEnv } from "./env.ts";
import { deployment, untilAvailable } from "./workloads.ts";

export interface TenantsDemo extends DemoEnv {
  clusters: Record<string, MockCluster>;
  inventory: InventoryServer;
  slack: FakeSlack;
}

/** `faulty` tenants' clusters crash on the new image (ghcr.io/acme/web:1.5.0), so their rollout fails. */
export async function startTenantsDemo(options: { tenants?: string[]; faulty?: string[] } = {}): Promise<TenantsDemo> {
  const names = options.tenants ?? ["alpha", "beta", "gamma"];
  const seed = "apiVersion: v1\nkind: Namespace\nmetadata: { name: web }\n---\n" + deployment("web", { image: "ghcr.io/acme/web:1.4.0", namespace: "web" });
  const list = await Promise.all(names.map(() => demoCluster({ seed })));
  const clusters = Object.fromEntries(names.map((n, i) => [n, list[i]!]));
  for (const n of options.faulty ?? []) clusters[n]?.programs.register("ghcr.io/acme/web:1.5.0", (ctx) => (ctx.stderr.write("panic: schema migration 42 failed\n"), 2));
  await Promise.all(list.map((c) => untilAvailable(c, "web", ["web"])));
  const secret = (n: string) => `TENANT_${n.toUpperCase()}_KUBECONFIG`;
  const [inventory, slack] = await Promise.all([
    startInventoryServer({ token: DEMO_SECRETS.INVENTORY_TOKEN, collections: { tenants: names.map((id) => ({ id, kubeconfigSecret: secret(id) })) } }),
    startFakeSlack({ tokens: [DEMO_SECRETS.SLACK_TOKEN], channels: { releases: "C0REL" } }),
  ]);
  return {
    clusters,
    inventory,
    slack,
    services: { slack: { apiUrl: slack.apiUrl, retryDelay: "10ms" }, kubernetes: { retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 100 } } },
    secrets: demoSecrets(Object.fromEntries(names.map((n) => [secret(n), clusters[n]!.kubeconfig]))),
    inputs: { inventory: inventory.url, readyTimeout: "3s" },
    endpoints: [...names.map((n) => `tenant ${n} cluster ${clusters[n]!.url}${options.faulty?.includes(n) ? " (faulty: crashes on the new image)" : ""}`), `inventory ${inventory.url}`, `slack ${slack.url}`],
    close: () => closeAll(...list, inventory, slack),
  };
}
