/**
 * The credentials inside a kubeconfig, registered with the execution's masker on their own. The
 * whole text of a secret kubeconfig is masked already, but a token printed alone (client-node's
 * error, a step's log line, an echoed Authorization header) would not be: each credential is
 * registered as `<where it came from> (users[name].field)`, so the secret canary checks it too.
 * Kubeconfigs from plain files are treated the same: a token is a credential wherever it is kept
 * (docs/secrets.md). Client certificates and CA data are public and left alone.
 */
import { readFileSync } from "node:fs";
import type { KubeConfig, User } from "@kubernetes/client-node";
import { markSecretAs, registeredAs, type Logger } from "@capstan/core";
import type { ResolvedCluster } from "./resolve.js";

export interface Credential {
  /** Where in the kubeconfig: `users[ci].token`, `users[ci].client-key-data (decoded)`. */
  readonly field: string;
  readonly value: string;
}

/** auth-provider config keys that hold secrets (access-token, refresh-token, id-token, client-secret); not `token-key`-style JSONPath settings nor file paths. */
const PROVIDER_SECRET = /token|secret|password|credential/i;
const PROVIDER_NOT_SECRET = /-key$|file|path|expir/i;
/** exec env names that hold credentials, for kubeconfigs not given as a secret (whose env is masked whole). */
const ENV_SECRET = /token|secret|passw|credential|api_?key|access_?key|private_?key|session/i;

/**
 * The credentials `kc` holds. `fromSecret`: the kubeconfig was given as a secret, so every user's
 * credentials are taken (it is all secret) and every exec env value, not only those whose name says
 * so. A kubeconfig from a file (often a ~/.kube/config with a dozen users) gives only the user and
 * cluster of the context in use: the only ones a request sends, and every registered value costs
 * the masker a little on every log line.
 */
export function kubeconfigCredentials(kc: KubeConfig, fromSecret: boolean): Credential[] {
  const out: Credential[] = [];
  const add = (field: string, value: unknown) => {
    if (typeof value !== "string" || !value) return;
    out.push({ field, value });
    // A token file's text usually ends in a newline that the token, as sent, does not have.
    if (value.trim() !== value && value.trim()) out.push({ field: `${field} (trimmed)`, value: value.trim() });
  };
  const current = kc.getCurrentUser();
  const cluster = kc.getCurrentCluster();
  for (const user of fromSecret ? kc.getUsers() : current ? [current] : []) {
    const at = `users[${user.name}]`;
    // `token` is also what client-node read from `token-file` when it loaded the kubeconfig.
    add(`${at}.token`, user.token);
    add(`${at}.password`, user.password);
    keyCredentials(user, at, add);
    const provider = user.authProvider as { config?: Record<string, unknown> } | null | undefined;
    for (const [k, v] of Object.entries(provider?.config ?? {})) {
      if (k === "tokenFile" && typeof v === "string") add(`${at}.auth-provider.tokenFile (contents)`, readSmallFile(v));
      else if (PROVIDER_SECRET.test(k) && !PROVIDER_NOT_SECRET.test(k)) add(`${at}.auth-provider.config.${k}`, v);
    }
    const exec = (user.exec ?? (provider?.config?.exec as User["exec"])) as { env?: { name?: string; value?: unknown }[] | null } | null | undefined;
    for (const e of exec?.env ?? []) if (fromSecret || ENV_SECRET.test(e.name ?? "")) add(`${at}.exec.env.${e.name}`, e.value);
  }
  // A password in a server or proxy URL (`https://user:pass@proxy:3128`).
  for (const c of fromSecret ? kc.getClusters() : cluster ? [cluster] : []) {
    for (const [field, url] of [["server", c.server], ["proxy-url", c.proxyUrl]] as const) {
      const password = url ? passwordOf(url) : undefined;
      if (password) add(`clusters[${c.name}].${field} password`, password);
    }
  }
  return out;
}

function keyCredentials(user: User, at: string, add: (field: string, value: unknown) => void): void {
  if (user.keyData) {
    add(`${at}.client-key-data`, user.keyData.replace(/\s+/g, ""));
    // The PEM it decodes to (each line of a multi-line value is masked too, so a key logged line
    // by line is caught); the base64 as written is one of the PEM's masked forms only when it was
    // encoded without line breaks, hence both.
    const pem = Buffer.from(user.keyData, "base64").toString("utf8");
    if (pem.includes("-----BEGIN")) add(`${at}.client-key-data (decoded)`, pem);
  }
  if (user.keyFile) add(`${at}.client-key (contents)`, readSmallFile(user.keyFile));
}

/** A credential file's text; unreadable or implausibly large files are client-node's to report. */
function readSmallFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8");
    return text.length <= 64 * 1024 ? text : undefined;
  } catch {
    return undefined;
  }
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** What a credential's leak report names: the secret the kubeconfig came from, else the cluster's label. */
function credentialSource(ctx: { readonly log: Logger }, resolved: ResolvedCluster): { name: string; fromSecret: boolean } {
  const secretName = resolved.inline !== undefined ? registeredAs(ctx, resolved.inline) : undefined;
  // Registered at all means secret: resolved through `secret(...)`, or marked (a Vault read).
  return secretName !== undefined ? { name: secretName, fromSecret: true } : { name: resolved.label, fromSecret: false };
}

/**
 * Registers the credentials of a resolved cluster with the execution's masker; returns what to
 * register each bearer token its requests send with (KubeClient's `onBearerToken`): an exec plugin
 * (`aws eks get-token`), an auth provider or a rotated token file yields tokens at request time
 * that no kubeconfig field holds.
 */
export function markClusterCredentials(ctx: { readonly log: Logger }, resolved: ResolvedCluster): (token: string) => void {
  const { name, fromSecret } = credentialSource(ctx, resolved);
  for (const c of kubeconfigCredentials(resolved.kc, fromSecret)) markSecretAs(ctx, `${name} (${c.field})`, c.value);
  return (token) => markSecretAs(ctx, `${name} (users[${resolved.kc.getCurrentUser()?.name ?? "?"}] bearer token)`, token);
}
