/** Demo environment of the promote blueprint: a staging and a prod cluster, GitHub. */
import { startFakeGitHub, type FakeGitHub, type MockCluster } from "@capstan/testing";
import { closeAll, demoCluster, demoSecrets, DEMO_SECRETS, kubeServices, type DemoEnv } from "./env.ts";

export interface PromoteDemo extends DemoEnv {
  staging: MockCluster;
  prod: MockCluster;
  github: FakeGitHub;
}

export async function startPromoteDemo(): Promise<PromoteDemo> {
  const [staging, prod, github] = await Promise.all([demoCluster(), demoCluster(), startFakeGitHub({ tokens: [DEMO_SECRETS.GITHUB_TOKEN], repos: ["acme/web"] })]);
  return {
    staging,
    prod,
    github,
    services: { ...kubeServices(undefined, { staging, prod }), github: { baseUrl: github.url, retryDelay: "10ms" } },
    secrets: demoSecrets(),
    inputs: {},
    endpoints: [`staging cluster ${staging.url}`, `prod cluster ${prod.url}`, `github ${github.url}`],
    close: () => closeAll(staging, prod, github),
  };
}
