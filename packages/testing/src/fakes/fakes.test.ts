import { afterEach, describe, expect, it } from "vitest";
import { startFakeServer, startInventoryServer } from "./index.js";
import type { FakeServer } from "./index.js";

const open: FakeServer[] = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});
const track = <T extends FakeServer>(f: T) => (open.push(f), f);

describe("FakeServer", () => {
  it("routes with params, records requests with parsed bodies, and answers 404/405", async () => {
    const fake = track(await startFakeServer((r) => r.post("/items/:id/*rest", (req) => ({ status: 201, body: { id: req.params.id, rest: req.params.rest, got: req.body } }))));
    const res = await fetch(`${fake.url}/items/a%20b/x/y?q=1`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":1}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: "a b", rest: "x/y", got: { n: 1 } });
    expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/items/a b/x/y", body: { n: 1 }, status: 201 });
    expect(fake.requests[0]?.query.get("q")).toBe("1");
    expect((await fetch(`${fake.url}/items/a/b`)).status).toBe(405);
    expect((await fetch(`${fake.url}/nope`)).status).toBe(404);
    const form = await fetch(`${fake.url}/items/z/w`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "a=1&b=two" });
    expect(((await form.json()) as { got: unknown }).got).toEqual({ a: "1", b: "two" });
  });

  it("injects scripted faults for the next N matching requests, with Retry-After and delay", async () => {
    const fake = track(await startFakeServer((r) => r.get("/x", () => ({ body: "ok" }))));
    fake.fail({ path: "/x", status: 429, retryAfter: 2, times: 2 }).fail({ path: /^\/x$/, status: 503, delayMs: 5 });
    const a = await fetch(`${fake.url}/x`);
    expect([a.status, a.headers.get("retry-after")]).toEqual([429, "2"]);
    expect((await fetch(`${fake.url}/x`)).status).toBe(429);
    expect((await fetch(`${fake.url}/x`)).status).toBe(503);
    expect(await (await fetch(`${fake.url}/x`)).text()).toBe("ok");
    expect(fake.requests.map((r) => [r.status, r.faulted ?? false])).toEqual([[429, true], [429, true], [503, true], [200, false]]);
    fake.fail({ status: 500 });
    fake.clearFaults();
    expect((await fetch(`${fake.url}/x`)).status).toBe(200);
  });
});

describe("InventoryServer", () => {
  it("serves collections with filters, CRUD and a bearer token", async () => {
    const inv = track(await startInventoryServer({ token: "t", collections: { tenants: [{ id: "a", region: "eu" }, { id: "b", region: "us" }] } }));
    const h = { authorization: "Bearer t", "content-type": "application/json" };
    expect((await fetch(`${inv.url}/tenants`)).status).toBe(401);
    expect(await (await fetch(`${inv.url}/tenants?region=us`, { headers: h })).json()).toEqual([{ id: "b", region: "us" }]);
    expect((await fetch(`${inv.url}/tenants`, { method: "POST", headers: h, body: '{"id":"c","region":"ap"}' })).status).toBe(201);
    expect((await fetch(`${inv.url}/tenants`, { method: "POST", headers: h, body: '{"id":"c"}' })).status).toBe(409);
    expect(await (await fetch(`${inv.url}/tenants/c`, { method: "PATCH", headers: h, body: '{"region":"sa"}' })).json()).toEqual({ id: "c", region: "sa" });
    expect((await fetch(`${inv.url}/tenants/a`, { method: "DELETE", headers: h })).status).toBe(204);
    expect((await fetch(`${inv.url}/tenants/a`, { headers: h })).status).toBe(404);
    expect((await fetch(`${inv.url}/clusters`, { headers: h })).status).toBe(404);
    expect(inv.collections.get("tenants")?.map((t) => t.id)).toEqual(["b", "c"]);
  });
});
