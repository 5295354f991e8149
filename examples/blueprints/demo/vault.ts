/** Demo environment of the Vault rotation blueprint: Vault with a database role, a cluster running the Deployments that read it, Slack. */
import { startFakeSlack, startFakeVault, type FakeSlack, type FakeVault, type MockCluster } from "@capstan/testing";
import { closeAll, demoCluster, demoSecrets, DEMO_SECRETS, kubeServices, type DemoEnv } from "./env.ts";
import { deployment, untilAvailable } from "./workloads.ts";

export interface VaultDemo extends DemoEnv {
  cluster: MockCluster;
  vault: FakeVault;
  slack: FakeSlack;
}

export async function startVaultDemo(options: { deployments?: string[] } = {}): Promise<VaultDemo> {
  const names = options.deployments ?? ["api", "worker"];
  const [cluster, vault, slack] = await Promise.all([
    demoCluster({ seed: names.map((n) => deployment(n, { image: `ghcr.io/acme/${n}:1.0`, replicas: 2 })).join("---\n") }),
    startFakeVault({ rootToken: DEMO_SECRETS.VAULT_TOKEN, databaseRoles: { app: "app-user" } }),
    startFakeSlack({ tokens: [DEMO_SECRETS.SLACK_TOKEN], channels: { ops: "C0OPS" } }),
  ]);
  await untilAvailable(cluster, "default", names);
  return {
    cluster,
    vault,
    slack,
    services: { ...kubeServices(cluster), vault: { address: vault.url, retryDelay: "10ms" }, slack: { apiUrl: slack.apiUrl, retryDelay: "10ms" } },
    secrets: demoSecrets(),
    inputs: { deployments: names.join(",") },
    endpoints: [`emulated cluster ${cluster.url} (Deployments ${names.join(", ")})`, `vault ${vault.url}`, `slack ${slack.url}`],
    close: () => closeAll(cluster, vault, slack),
  };
}
