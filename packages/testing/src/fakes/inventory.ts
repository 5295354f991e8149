/**
 * A generic JSON inventory API, the kind a flow fetches its tenant or cluster list from:
 * collections of objects with an `id`, served at `/<collection>` (list, filtered by query
 * parameters) and `/<collection>/<id>` (get, put, patch, delete), `POST /<collection>` to add.
 * Optional bearer token. Faults as with every fake.
 *
 * @example
 * const inv = await startInventoryServer({ collections: { tenants: [{ id: "alpha", region: "eu" }] }, token: "inv-token" });
 * await fetch(`${inv.url}/tenants?region=eu`, { headers: { authorization: "Bearer inv-token" } });
 */
import type { FakeRequest, FakeResponse } from "./server.js";
import { FakeServer, bearerOf } from "./server.js";

export type InventoryItem = { id: string } & Record<string, unknown>;

export interface InventoryOptions {
  collections?: Record<string, InventoryItem[]>;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
}

export class InventoryServer extends FakeServer {
  readonly collections: Map<string, InventoryItem[]>;
  readonly #token: string | undefined;

  private constructor(options: InventoryOptions) {
    super({ errorBody: (status) => ({ error: status === 429 ? "too many requests" : status >= 500 ? "internal error" : "error" }) });
    this.collections = new Map(Object.entries(options.collections ?? {}).map(([k, v]) => [k, v.map((i) => ({ ...i }))]));
    this.#token = options.token;
    this.router
      .get("/:collection", (req) => this.#guard(req, (items) => ({ status: 200, body: items.filter((i) => matches(i, req.query)) })))
      .post("/:collection", (req) => this.#guard(req, (items) => this.#add(items, req)))
      .get("/:collection/:id", (req) => this.#guard(req, (items) => this.#one(items, req, (i) => ({ status: 200, body: i }))))
      .put("/:collection/:id", (req) => this.#guard(req, (items) => this.#one(items, req, (i) => this.#replace(items, i, req))))
      .patch("/:collection/:id", (req) => this.#guard(req, (items) => this.#one(items, req, (i) => ({ status: 200, body: Object.assign(i, body(req), { id: i.id }) }))))
      .delete("/:collection/:id", (req) => this.#guard(req, (items) => this.#one(items, req, (i) => (items.splice(items.indexOf(i), 1), { status: 204 }))));
  }

  static async start(options: InventoryOptions = {}): Promise<InventoryServer> {
    const fake = new InventoryServer(options);
    await fake.listen();
    return fake;
  }

  #guard(req: FakeRequest, next: (items: InventoryItem[]) => FakeResponse): FakeResponse {
    if (this.#token !== undefined && bearerOf(req) !== this.#token) return { status: 401, body: { error: "unauthorized" } };
    const items = this.collections.get(req.params.collection!);
    if (!items) return { status: 404, body: { error: `no collection "${req.params.collection}"` } };
    return next(items);
  }

  #one(items: InventoryItem[], req: FakeRequest, next: (item: InventoryItem) => FakeResponse): FakeResponse {
    const item = items.find((i) => i.id === req.params.id);
    return item ? next(item) : { status: 404, body: { error: `no ${req.params.collection} "${req.params.id}"` } };
  }

  #add(items: InventoryItem[], req: FakeRequest): FakeResponse {
    const b = body(req);
    if (typeof b.id !== "string" || b.id === "") return { status: 400, body: { error: "id is required" } };
    if (items.some((i) => i.id === b.id)) return { status: 409, body: { error: `"${b.id}" exists` } };
    const item = { ...b, id: b.id };
    items.push(item);
    return { status: 201, body: item };
  }

  #replace(items: InventoryItem[], item: InventoryItem, req: FakeRequest): FakeResponse {
    const next = { ...body(req), id: item.id };
    items[items.indexOf(item)] = next;
    return { status: 200, body: next };
  }
}

function body(req: FakeRequest): Record<string, unknown> {
  return typeof req.body === "object" && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
}

/** `?region=eu&tier=gold`: every parameter must equal the item's field (as a string). */
function matches(item: InventoryItem, query: URLSearchParams): boolean {
  for (const [k, v] of query) if (String(item[k]) !== v) return false;
  return true;
}

export function startInventoryServer(options: InventoryOptions = {}): Promise<InventoryServer> {
  return InventoryServer.start(options);
}
