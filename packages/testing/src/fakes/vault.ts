/**
 * A fake HashiCorp Vault: KV v2 with versions, check-and-set, metadata and listing; a database
 * secrets engine's static roles (`database/rotate-role/<name>`, `database/static-creds/<name>`);
 * token, AppRole and Kubernetes logins; namespaces (`X-Vault-Namespace` or a path prefix); tokens
 * limited to path prefixes. Errors look like Vault's: `{ "errors": ["permission denied"] }` with
 * 403, an empty list with 404 for a missing secret.
 *
 * @example
 * const vault = await startFakeVault({ rootToken: "root" });
 * vault.kvPut("app/db", { password: "s3cret" });
 * await fetch(`${vault.url}/v1/secret/data/app/db`, { headers: { "x-vault-token": "root" } });
 */
import type { FakeRequest, FakeResponse } from "./server.js";
import { FakeServer } from "./server.js";

export interface FakeVaultOptions {
  /** A token allowed everything, in every namespace. Default `root`. */
  rootToken?: string;
  /** More tokens, each limited to API path prefixes (after `/v1/`, e.g. `secret/data/app/`). */
  tokens?: Record<string, { paths: string[]; namespace?: string }>;
  /** KV v2 mounts. Default `["secret"]`. */
  kvMounts?: string[];
  /** Namespaces that exist (besides the root). Default none. */
  namespaces?: string[];
  /** AppRole credentials at `auth/approle`; a login gets a token limited to `paths` (default all). */
  approles?: { roleId: string; secretId: string; paths?: string[] }[];
  /** Kubernetes auth roles at `auth/kubernetes`: the service-account JWT each accepts. */
  kubernetesRoles?: { role: string; jwt: string; paths?: string[] }[];
  /** Database static roles: name → username. Passwords start at `<username>-pw-1`. */
  databaseRoles?: Record<string, string>;
}

interface KvVersion {
  data: Record<string, unknown>;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface TokenInfo {
  paths: string[] | undefined;
  namespace: string | undefined;
  policies: string[];
}

export class FakeVault extends FakeServer {
  /** Namespace ("" for root) → "<mount>/<path>" → versions (index 0 is version 1). */
  readonly kv = new Map<string, Map<string, KvVersion[]>>();
  readonly rotations: string[] = [];
  readonly logins: { method: string; role: string }[] = [];
  readonly #tokens = new Map<string, TokenInfo>();
  readonly #kvMounts: Set<string>;
  readonly #namespaces: Set<string>;
  readonly #options: FakeVaultOptions;
  readonly #db = new Map<string, { username: string; version: number; rotatedAt: string }>();
  readonly #handlers = new Map<string, (req: FakeRequest, path: string) => FakeResponse>();
  #seq = 0;

  private constructor(options: FakeVaultOptions) {
    super({ errorBody: (status) => ({ errors: [status === 429 ? "rate limit quota exceeded" : status === 503 ? "Vault is sealed" : `error ${status}`] }) });
    this.#options = options;
    this.#tokens.set(options.rootToken ?? "root", { paths: undefined, namespace: undefined, policies: ["root"] });
    for (const [t, info] of Object.entries(options.tokens ?? {})) this.#tokens.set(t, { paths: info.paths, namespace: info.namespace, policies: ["default"] });
    this.#kvMounts = new Set(options.kvMounts ?? ["secret"]);
    this.#namespaces = new Set(options.namespaces ?? []);
    for (const [name, username] of Object.entries(options.databaseRoles ?? {})) this.#db.set(name, { username, version: 1, rotatedAt: new Date().toISOString() });
    this.router.any((req) => this.#dispatch(req));
  }

  static async start(options: FakeVaultOptions = {}): Promise<FakeVault> {
    const fake = new FakeVault(options);
    await fake.listen();
    return fake;
  }

  /** Writes a KV v2 secret directly (a new version), as a test's setup. */
  kvPut(path: string, data: Record<string, unknown>, opts: { mount?: string; namespace?: string } = {}): number {
    const versions = this.#versions(opts.namespace ?? "", `${opts.mount ?? "secret"}/${path}`, true)!;
    versions.push({ data, created_time: new Date().toISOString(), deletion_time: "", destroyed: false });
    return versions.length;
  }

  /** The latest data of a KV v2 secret, or undefined. */
  kvGet(path: string, opts: { mount?: string; namespace?: string } = {}): Record<string, unknown> | undefined {
    return this.#versions(opts.namespace ?? "", `${opts.mount ?? "secret"}/${path}`, false)?.at(-1)?.data;
  }

  /** Revokes a token (default: every token but the root token), as an expiry would. */
  revoke(token?: string): void {
    const root = this.#options.rootToken ?? "root";
    for (const t of [...this.#tokens.keys()]) if (t !== root && (token === undefined || t === token)) this.#tokens.delete(t);
  }

  /** Current password of a database static role. */
  dbPassword(role: string): string | undefined {
    const r = this.#db.get(role);
    return r && `${r.username}-pw-${r.version}`;
  }

  /** Answers `method path` (after `/v1/`, e.g. `POST sys/rotate`) with your handler; token checks still apply. */
  handle(method: string, path: string, handler: (req: FakeRequest, path: string) => FakeResponse): this {
    this.#handlers.set(`${method.toUpperCase()} ${path.replace(/^\/+/, "")}`, handler);
    return this;
  }

  #dispatch(req: FakeRequest): FakeResponse {
    if (!req.path.startsWith("/v1/")) return notFound(req.path);
    let path = req.path.slice(4).replace(/\/+$/, "");
    // A namespace is the header, or a known namespace as the path's prefix.
    let ns = String(req.headers["x-vault-namespace"] ?? "").replace(/^\/+|\/+$/g, "");
    for (const n of this.#namespaces) {
      if (!ns && path.startsWith(`${n}/`)) {
        ns = n;
        path = path.slice(n.length + 1);
      }
    }
    if (ns && !this.#namespaces.has(ns)) return { status: 403, body: { errors: ["permission denied"] } };
    const method = req.method === "GET" && req.query.get("list") === "true" ? "LIST" : req.method;
    const login = /^auth\/([^/]+)\/login$/.exec(path);
    if (login && method === "POST") return this.#login(login[1]!, req, ns);

    const token = String(req.headers["x-vault-token"] ?? "");
    const info = this.#tokens.get(token);
    if (!info || (info.namespace !== undefined && info.namespace !== ns)) return { status: 403, body: { errors: ["permission denied"] } };
    if (info.paths && !info.paths.some((p) => path.startsWith(p.replace(/\/+$/, "")) )) return { status: 403, body: { errors: ["1 error occurred:\n\t* permission denied\n\n"] } };

    const custom = this.#handlers.get(`${method === "PUT" ? "POST" : method} ${path}`) ?? this.#handlers.get(`${method} ${path}`);
    if (custom) return custom(req, path);
    if (path === "auth/token/lookup-self") return { status: 200, body: { data: { policies: info.policies, namespace_path: ns ? `${ns}/` : "" } } };
    const [mount, kind, ...rest] = path.split("/");
    if (mount && this.#kvMounts.has(mount)) return this.#kv(ns, mount, kind ?? "", rest.join("/"), method, req);
    if (mount === "database") return this.#database(kind ?? "", rest.join("/"), method);
    return notFound(path);
  }

  #login(mount: string, req: FakeRequest, ns: string): FakeResponse {
    const b = (req.body ?? {}) as Record<string, unknown>;
    let paths: string[] | undefined;
    let role: string;
    if (mount === "approle") {
      const match = (this.#options.approles ?? []).find((r) => r.roleId === b.role_id && r.secretId === b.secret_id);
      if (!match) return { status: 400, body: { errors: ["invalid role or secret ID"] } };
      paths = match.paths;
      role = match.roleId;
    } else if (mount === "kubernetes") {
      const match = (this.#options.kubernetesRoles ?? []).find((r) => r.role === b.role);
      if (!match) return { status: 400, body: { errors: [`invalid role name "${String(b.role)}"`] } };
      if (match.jwt !== b.jwt) return { status: 403, body: { errors: ["permission denied"] } };
      paths = match.paths;
      role = match.role;
    } else {
      return notFound(`auth/${mount}/login`);
    }
    const token = `hvs.fake${++this.#seq}`;
    this.#tokens.set(token, { paths, namespace: ns || undefined, policies: ["default"] });
    this.logins.push({ method: mount, role });
    return { status: 200, body: { auth: { client_token: token, accessor: `acc${this.#seq}`, policies: ["default"], token_policies: ["default"], lease_duration: 3600, renewable: true } } };
  }

  #kv(ns: string, mount: string, kind: string, path: string, method: string, req: FakeRequest): FakeResponse {
    const key = `${mount}/${path}`;
    if (kind === "data") {
      const versions = this.#versions(ns, key, false);
      if (method === "GET") {
        const wanted = Number(req.query.get("version") ?? 0);
        const v = versions && (wanted > 0 ? versions[wanted - 1] : versions.at(-1));
        if (!v || !versions) return { status: 404, body: { errors: [] } };
        const version = wanted > 0 ? wanted : versions.length;
        const metadata = { created_time: v.created_time, custom_metadata: null, deletion_time: v.deletion_time, destroyed: v.destroyed, version };
        if (v.deletion_time) return { status: 404, body: { data: { data: null, metadata } } };
        return { status: 200, body: { request_id: this.#rid(), lease_id: "", renewable: false, lease_duration: 0, data: { data: v.data, metadata }, wrap_info: null, warnings: null, auth: null } };
      }
      if (method === "POST" || method === "PUT") {
        const b = (req.body ?? {}) as { data?: unknown; options?: { cas?: number } };
        if (typeof b.data !== "object" || b.data === null || Array.isArray(b.data)) return { status: 400, body: { errors: ["no data provided"] } };
        const current = versions?.length ?? 0;
        if (b.options?.cas !== undefined && b.options.cas !== current) {
          return { status: 400, body: { errors: [`check-and-set parameter did not match the current version`] } };
        }
        const list = this.#versions(ns, key, true)!;
        const created = new Date().toISOString();
        list.push({ data: b.data as Record<string, unknown>, created_time: created, deletion_time: "", destroyed: false });
        return { status: 200, body: { request_id: this.#rid(), data: { created_time: created, custom_metadata: null, deletion_time: "", destroyed: false, version: list.length } } };
      }
      if (method === "DELETE") {
        const last = versions?.at(-1);
        if (last) last.deletion_time = new Date().toISOString();
        return { status: 204 };
      }
    }
    if (kind === "metadata") {
      if (method === "LIST") {
        const prefix = path ? `${key}/` : `${mount}/`;
        const keys = new Set<string>();
        for (const [k, versions] of this.kv.get(ns) ?? []) {
          if (!k.startsWith(prefix) || versions.length === 0) continue;
          const rest = k.slice(prefix.length);
          keys.add(rest.includes("/") ? `${rest.slice(0, rest.indexOf("/"))}/` : rest);
        }
        if (keys.size === 0) return { status: 404, body: { errors: [] } };
        return { status: 200, body: { request_id: this.#rid(), data: { keys: [...keys].sort() } } };
      }
      const versions = this.#versions(ns, key, false);
      if (method === "GET") {
        if (!versions || versions.length === 0) return { status: 404, body: { errors: [] } };
        const entries = Object.fromEntries(versions.map((v, i) => [String(i + 1), { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed }]));
        return {
          status: 200,
          body: { request_id: this.#rid(), data: { cas_required: false, created_time: versions[0]!.created_time, current_version: versions.length, custom_metadata: null, delete_version_after: "0s", max_versions: 0, oldest_version: 1, updated_time: versions.at(-1)!.created_time, versions: entries } },
        };
      }
      if (method === "DELETE") {
        this.kv.get(ns)?.delete(key);
        return { status: 204 };
      }
    }
    return { status: 405, body: { errors: ["1 error occurred:\n\t* unsupported operation\n\n"] } };
  }

  #database(kind: string, name: string, method: string): FakeResponse {
    const role = this.#db.get(name);
    if (kind === "rotate-role" && (method === "POST" || method === "PUT")) {
      if (!role) return { status: 400, body: { errors: [`no static role found for role name "${name}"`] } };
      role.version++;
      role.rotatedAt = new Date().toISOString();
      this.rotations.push(name);
      return { status: 204 };
    }
    if (kind === "static-creds" && method === "GET") {
      if (!role) return { status: 400, body: { errors: ["unknown role"] } };
      return { status: 200, body: { request_id: this.#rid(), data: { username: role.username, password: this.dbPassword(name), last_vault_rotation: role.rotatedAt, rotation_period: 86400, ttl: 86000 } } };
    }
    return notFound(`database/${kind}/${name}`);
  }

  #versions(ns: string, key: string, create: boolean): KvVersion[] | undefined {
    let space = this.kv.get(ns);
    if (!space) {
      if (!create) return undefined;
      space = new Map();
      this.kv.set(ns, space);
    }
    let list = space.get(key);
    if (!list && create) space.set(key, (list = []));
    return list;
  }

  #rid(): string {
    return `req-${++this.#seq}`;
  }
}

function notFound(path: string): FakeResponse {
  return { status: 404, body: { errors: [`no handler for route "${path}". route entry not found.`] } };
}

export function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  return FakeVault.start(options);
}
