/**
 * Integrations: rotate a database credential in Vault, fetch the tenant list from an inventory
 * API, check each tenant, then tell Slack (with a report uploaded as a file) or, when a tenant is
 * not ready, open a GitHub issue and set a failing commit status. Every token is a secret; every
 * endpoint is configurable, so the same flow runs against fakes in tests.
 *
 *   CAPSTAN_DEMO=1 tsx examples/integrations.ts                         # against local fakes
 *   CAPSTAN_DEMO=1 tsx examples/integrations.ts --input notReady=beta   # the GitHub path
 *
 * Against real services: set VAULT_ADDR, CAPSTAN_SECRET_VAULT_TOKEN, CAPSTAN_SECRET_SLACK_TOKEN,
 * CAPSTAN_SECRET_GITHUB_TOKEN, CAPSTAN_SECRET_INVENTORY_TOKEN and pass --input inventory=<url>.
 */
import { z } from "zod";
import { flow, isMain, main, secret } from "@capstan/core";
import { http } from "@capstan/http";
import { vault } from "@capstan/vault";
import { slack } from "@capstan/slack";
import { github } from "@capstan/github";
import { startFakeGitHub, startFakeSlack, startFakeVault, startInventoryServer } from "../packages/testing/src/fakes/index.ts";

const Tenants = z.array(z.object({ id: z.string(), region: z.string(), ready: z.boolean() }));

export const rotateAndReport = flow({
  id: "rotate-and-report",
  description: "Rotate the app's database credential, check every tenant, report to Slack or GitHub",
  inputs: z.object({
    inventory: z.string().default(() => process.env.INVENTORY_URL ?? "http://127.0.0.1:8080").describe("inventory API base URL"),
    role: z.string().default("app").describe("Vault database role to rotate"),
    channel: z.string().default("#ops").describe("Slack channel"),
    repo: z.string().default("acme/app").describe("GitHub repository (owner/name)"),
    sha: z.string().default("4f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b").describe("commit to set a status on"),
    notReady: z.array(z.string()).default([]).describe("demo only: tenants the fake inventory reports as not ready"),
  }),
})
  .step("tenants", http.request(({ inputs }) => ({ url: `${inputs.inventory}/tenants`, bearer: secret("INVENTORY_TOKEN"), schema: Tenants, retries: 3, retryDelay: "200ms", timeout: "10s" })))
  .step("rotate", vault.write(({ inputs }) => ({ path: `database/rotate-role/${inputs.role}` })), { retry: { attempts: 3, delay: "1s" } })
  .step("creds", vault.read(({ inputs }) => ({ path: `database/static-creds/${inputs.role}` })))
  .forEach("check", ({ steps }) => steps.tenants.body, { concurrency: 4 }, (each) =>
    each.step("probe", ({ item, log, steps }) => {
      // A real flow would connect with steps.creds.data to each tenant's database here.
      log.info(`${item.id} (${item.region}): ${item.ready ? "ready" : "NOT ready"} with user ${String(steps.creds.data?.username)}`);
      return { tenant: item.id, ready: item.ready };
    }),
  )
  .step("report", async ({ steps, storage }) => {
    const lines = steps.check.map((c) => `${c.probe.tenant}\t${c.probe.ready ? "ready" : "not ready"}`);
    const info = await storage.put("report.tsv", `${lines.join("\n")}\n`);
    return { uri: info.uri, notReady: steps.check.filter((c) => !c.probe.ready).map((c) => c.probe.tenant) };
  })
  .if(
    "outcome",
    ({ steps }) => steps.report.notReady.length === 0,
    (ok) =>
      ok
        .step("post", slack.postMessage(({ inputs, steps }) => ({ channel: inputs.channel, text: `rotated ${inputs.role}; all ${steps.tenants.body.length} tenants ready` })))
        .step("upload", slack.uploadFile(({ steps }) => ({ channel: steps.post.channel, threadTs: steps.post.ts, artifact: steps.report.uri, title: "tenant report" })))
        .step("status", github.setStatus(({ inputs }) => ({ repo: inputs.repo, sha: inputs.sha, state: "success", context: "capstan/tenants", description: "all tenants ready" }))),
    (notOk) =>
      notOk
        .step("issue", github.createIssue(({ inputs, steps }) => ({ repo: inputs.repo, title: `tenants not ready after rotating ${inputs.role}`, body: steps.report.notReady.map((t) => `- ${t}`).join("\n"), labels: ["rotation"] })))
        .step("status", github.setStatus(({ inputs, steps }) => ({ repo: inputs.repo, sha: inputs.sha, state: "failure", context: "capstan/tenants", description: `${steps.report.notReady.length} tenant(s) not ready` })))
        .step("post", slack.postMessage(({ inputs, steps }) => ({ channel: inputs.channel, text: `rotated ${inputs.role}; not ready: ${steps.report.notReady.join(", ")} (${steps.issue.url})` }))),
  );

/** Local fakes of every service the flow calls, wired through the environment (demo mode). */
export async function startDemoServices(notReady: readonly string[] = []) {
  const [inventory, vaultFake, slackFake, githubFake] = await Promise.all([
    startInventoryServer({
      token: "demo-inventory-token",
      collections: { tenants: ["alpha", "beta", "gamma"].map((id, i) => ({ id, region: ["eu", "us", "ap"][i]!, ready: !notReady.includes(id) })) },
    }),
    startFakeVault({ rootToken: "demo-vault-token", databaseRoles: { app: "app-user" } }),
    startFakeSlack({ tokens: ["xoxb-demo"], channels: { ops: "C0OPS" } }),
    startFakeGitHub({ tokens: ["ghp_demo"], repos: ["acme/app"] }),
  ]);
  const services = { vault: { address: vaultFake.url }, slack: { apiUrl: slackFake.apiUrl }, github: { baseUrl: githubFake.url } };
  const secrets = { INVENTORY_TOKEN: "demo-inventory-token", VAULT_TOKEN: "demo-vault-token", SLACK_TOKEN: "xoxb-demo", GITHUB_TOKEN: "ghp_demo" };
  return {
    inventory,
    vault: vaultFake,
    slack: slackFake,
    github: githubFake,
    services,
    secrets,
    close: () => Promise.all([inventory.close(), vaultFake.close(), slackFake.close(), githubFake.close()]),
  };
}

if (process.env.CAPSTAN_DEMO === "1" && isMain(import.meta)) {
  // The fake inventory needs to know up front which tenants to report as not ready.
  const notReady = process.argv.find((a) => a.startsWith("notReady="))?.slice("notReady=".length);
  const demo = await startDemoServices(notReady ? notReady.split(",") : []);
  for (const f of [demo.inventory, demo.vault, demo.slack, demo.github]) f.unref();
  // The flow reads its endpoints and secrets the way it would in production: from the environment.
  process.env.INVENTORY_URL = demo.inventory.url;
  process.env.VAULT_ADDR = demo.vault.url;
  process.env.CAPSTAN_SLACK_API_URL = demo.slack.apiUrl;
  process.env.GITHUB_API_URL = demo.github.url;
  for (const [k, v] of Object.entries(demo.secrets)) process.env[`CAPSTAN_SECRET_${k}`] = v;
  process.stderr.write(`demo: inventory ${demo.inventory.url}, vault ${demo.vault.url}, slack ${demo.slack.url}, github ${demo.github.url}\n`);
}

export default main(import.meta, rotateAndReport);
