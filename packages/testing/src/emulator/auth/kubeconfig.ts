/**
 * The kubeconfig of an emulated cluster, accepted by kubectl and by client-node's
 * `KubeConfig.loadFromString`. Over http client-node insists on `insecure-skip-tls-verify: true`
 * (research finding 8); over https the kubeconfig carries the generated CA.
 */

import { stringify } from "yaml";

export interface KubeconfigOptions {
  server: string;
  /** PEM CA certificate (https). */
  caCert?: string | undefined;
  token?: string | undefined;
  namespace?: string | undefined;
  /** Name of the cluster, user and context entries. */
  name?: string | undefined;
}

export function buildKubeconfig(options: KubeconfigOptions): string {
  const name = options.name ?? "capstan-mock";
  const cluster: Record<string, unknown> = { server: options.server };
  if (options.caCert) cluster["certificate-authority-data"] = Buffer.from(options.caCert).toString("base64");
  else cluster["insecure-skip-tls-verify"] = true;
  const user: Record<string, unknown> = options.token ? { token: options.token } : {};
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? "default" } }],
    "current-context": name,
    preferences: {},
  });
}
