import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { kubeconfigCredentials } from "./credentials.js";
import { resolveCluster } from "./resolve.js";
import { loadClientNode } from "../client/client-node.js";

beforeAll(() => loadClientNode());

const dir = mkdtempSync(join(tmpdir(), "capstan-kc-creds-"));
const keyFile = join(dir, "client.key");
writeFileSync(keyFile, "-----BEGIN EC PRIVATE KEY-----\nkey-file-body-line\n-----END EC PRIVATE KEY-----\n");
const saToken = join(dir, "sa-token");
writeFileSync(saToken, "sa-token-from-file");

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: { server: "https://127.0.0.1:6443", proxy-url: "http://ops:pr0xy%2Fpass@127.0.0.1:3128" }
users:
- name: oidc
  user:
    auth-provider:
      name: oidc
      config: { client-id: capstan, client-secret: oidc-client-secret, id-token: oidc-id-token, refresh-token: oidc-refresh-token, idp-issuer-url: "https://issuer" }
- name: gcp
  user:
    auth-provider:
      name: gcp
      config: { access-token: gcp-access-token, cmd-path: /usr/bin/gcloud, token-key: "{.access_token}", expiry: "2030-01-01T00:00:00Z" }
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token]
      env: [{ name: AWS_PROFILE, value: production }, { name: AWS_SESSION_TOKEN, value: aws-session-token }, { name: VAULT_TOKEN, value: vault-token-value }]
- name: basic
  user: { username: admin, password: basic-password }
- name: keyfile
  user: { client-certificate-data: Y2VydA==, client-key: ${keyFile} }
- name: sa
  user: { auth-provider: { name: tokenFile, config: { tokenFile: ${saToken} } } }
contexts:
- { name: ctx, context: { cluster: c1, user: oidc } }
- { name: eks, context: { cluster: c1, user: eks } }
current-context: ctx
`;

const fields = (fromSecret: boolean, context = "ctx") => {
  const kc = resolveCluster({ kubeconfig: kubeconfig.replace("current-context: ctx", `current-context: ${context}`) }, undefined, {}).kc;
  return Object.fromEntries(kubeconfigCredentials(kc, fromSecret).map((c) => [c.field, c.value]));
};

describe("kubeconfigCredentials", () => {
  it("given as a secret: every user's credentials, never client-ids, commands, JSONPath keys or certificates", () => {
    expect(fields(true)).toEqual({
      "users[oidc].auth-provider.config.client-secret": "oidc-client-secret",
      "users[oidc].auth-provider.config.id-token": "oidc-id-token",
      "users[oidc].auth-provider.config.refresh-token": "oidc-refresh-token",
      "users[gcp].auth-provider.config.access-token": "gcp-access-token",
      // Given as a secret: every exec env value.
      "users[eks].exec.env.AWS_PROFILE": "production",
      "users[eks].exec.env.AWS_SESSION_TOKEN": "aws-session-token",
      "users[eks].exec.env.VAULT_TOKEN": "vault-token-value",
      "users[basic].password": "basic-password",
      "users[keyfile].client-key (contents)": "-----BEGIN EC PRIVATE KEY-----\nkey-file-body-line\n-----END EC PRIVATE KEY-----\n",
      "users[keyfile].client-key (contents) (trimmed)": "-----BEGIN EC PRIVATE KEY-----\nkey-file-body-line\n-----END EC PRIVATE KEY-----",
      "users[sa].auth-provider.tokenFile (contents)": "sa-token-from-file",
      "clusters[c1].proxy-url password": "pr0xy/pass",
    });
  });

  it("from a file: only the context's user and cluster, and exec env values whose name says credential", () => {
    expect(fields(false)).toEqual({
      "users[oidc].auth-provider.config.client-secret": "oidc-client-secret",
      "users[oidc].auth-provider.config.id-token": "oidc-id-token",
      "users[oidc].auth-provider.config.refresh-token": "oidc-refresh-token",
      "clusters[c1].proxy-url password": "pr0xy/pass",
    });
    expect(fields(false, "eks")).toEqual({
      "users[eks].exec.env.AWS_SESSION_TOKEN": "aws-session-token",
      "users[eks].exec.env.VAULT_TOKEN": "vault-token-value",
      "clusters[c1].proxy-url password": "pr0xy/pass",
    });
  });
});
