/**
 * Bearer-token authentication and a small authorizer. Missing or unknown tokens get the apiserver's
 * 401 Status; a known user whose `can` rule refuses gets 403 with the RBAC wording
 * (`pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "y"`).
 */

import { StatusError } from "../store/errors.js";

export interface AuthzAttributes {
  user: string;
  verb: string;
  group: string;
  resource?: string | undefined;
  subresource?: string | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
  path: string;
}

export interface TokenUser {
  token: string;
  /** User name in Forbidden messages (default "user"). */
  name?: string;
  /** Return false to forbid a request (default: everything allowed). */
  can?: (attrs: AuthzAttributes) => boolean;
}

export interface AuthOptions {
  /** The kubeconfig's token; requests without a valid token get 401. */
  token?: string;
  /** More users with their own tokens and permissions. */
  users?: TokenUser[];
}

/** Paths the apiserver serves to anyone (system:public-info-viewer). */
const PUBLIC_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

export function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}

export function forbiddenFor(attrs: AuthzAttributes): StatusError {
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : (attrs.resource ?? "");
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : "at the cluster scope";
  if (!attrs.resource) {
    return new StatusError(403, "Forbidden", `forbidden: User "${attrs.user}" cannot ${attrs.verb} path "${attrs.path}"`, {});
  }
  const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  return new StatusError(403, "Forbidden", `${subject} is forbidden: User "${attrs.user}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.group}" ${scope}`, {
    ...(attrs.name ? { name: attrs.name } : {}),
    group: attrs.group,
    kind: attrs.resource,
  });
}

export class Authenticator {
  readonly #users = new Map<string, TokenUser>();
  readonly enabled: boolean;

  constructor(options: AuthOptions = {}) {
    if (options.token) this.#users.set(options.token, { token: options.token, name: "admin" });
    for (const u of options.users ?? []) this.#users.set(u.token, u);
    this.enabled = this.#users.size > 0;
  }

  /** Throws 401/403 Status errors; returns the user name. */
  check(authorization: string | undefined, attrs: Omit<AuthzAttributes, "user">): string {
    if (!this.enabled) return "admin";
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
    const user = match ? this.#users.get((match[1] as string).trim()) : undefined;
    if (!user) {
      if (PUBLIC_PATHS.has(attrs.path)) return "system:anonymous";
      throw unauthorized();
    }
    const full: AuthzAttributes = { ...attrs, user: user.name ?? "user" };
    if (user.can && !user.can(full)) throw forbiddenFor(full);
    return full.user;
  }
}
