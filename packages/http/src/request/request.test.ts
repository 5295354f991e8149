import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { flow, secret, staticSecrets } from "@capstan/core";
import { startInventoryServer, startFakeServer } from "../../../testing/src/fakes/index.js";
import type { InventoryServer } from "../../../testing/src/fakes/index.js";
import { http } from "../index.js";

let inv: InventoryServer;
beforeEach(async () => {
  inv = await startInventoryServer({
    token: "inv-token",
    collections: { tenants: [{ id: "alpha", region: "eu", replicas: 2 }, { id: "beta", region: "us", replicas: 3 }] },
  });
});
afterEach(() => inv.close());

const Tenants = z.array(z.object({ id: z.string(), region: z.string(), replicas: z.number() }));
const secrets = [staticSecrets({ INV_TOKEN: "inv-token" })];

describe("http.request", () => {
  it("GETs JSON with a bearer secret and query, validated and typed by a schema", async () => {
    const f = flow({ id: "inv", inputs: z.object({ api: z.string() }) })
      .step("tenants", http.request(({ inputs }) => ({ url: `${inputs.api}/tenants`, query: { region: "eu" }, bearer: secret("INV_TOKEN"), schema: Tenants })))
      .step("names", ({ steps }) => steps.tenants.body.map((t) => `${t.id}:${t.replicas}`));
    const ex = await f.run({ inputs: { api: inv.url }, secrets });
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.names).toEqual(["alpha:2"]);
    expect(ex.outputs?.tenants).toMatchObject({ status: 200, attempts: 1, headers: { "content-type": "application/json; charset=utf-8" } });
    expect(inv.requests[0]).toMatchObject({ method: "GET", path: "/tenants", headers: { authorization: "Bearer inv-token", accept: "application/json, */*" } });
    expect(inv.requests[0]?.query.get("region")).toBe("eu");
    expectTypeOf(ex.outputs!.tenants.body).toEqualTypeOf<{ id: string; region: string; replicas: number }[]>();
  });

  it("POSTs a JSON body and accepts the status it was told to expect; untyped body is unknown", async () => {
    const f = flow({ id: "add" }).step("add", http.request({ method: "post", url: `${inv.url}/tenants`, bearer: "inv-token", json: { id: "gamma", region: "ap", replicas: 1 }, expectStatus: 201 }));
    const ex = await f.run();
    expect(ex.outputs?.add).toMatchObject({ status: 201, body: { id: "gamma", region: "ap" } });
    expectTypeOf(ex.outputs!.add.body).toEqualTypeOf<unknown>();
    expect(inv.collections.get("tenants")?.map((t) => t.id)).toEqual(["alpha", "beta", "gamma"]);
    expect(inv.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("sends a text body and reads text", async () => {
    const echo = await startFakeServer((r) => r.put("/echo", (req) => ({ status: 200, body: `got ${String(req.body)} as ${req.headers["content-type"]}` })));
    try {
      const ex = await flow({ id: "t" }).step("put", http.request({ method: "PUT", url: `${echo.url}/echo`, body: "hello", basic: { username: "u", password: "p" } })).run();
      expect(ex.outputs?.put.body).toBe("got hello as text/plain; charset=utf-8");
      expect(echo.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    } finally {
      await echo.close();
    }
  });

  it("retries 429 (honouring Retry-After) and 503, then succeeds", async () => {
    inv.fail({ path: "/tenants", status: 429, retryAfter: 0 }).fail({ path: "/tenants", status: 503 });
    const ex = await flow({ id: "r" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token", retries: 3, retryDelay: 1 })).run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.get.attempts).toBe(3);
    expect(inv.requests.map((r) => r.status)).toEqual([429, 503, 200]);
    expect(ex.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([
      `GET ${inv.url}/tenants answered 429 Too Many Requests; retry 1/3 in 0ms`,
      `GET ${inv.url}/tenants answered 503 Service Unavailable; retry 2/3 in 2ms`,
    ]);
  });

  it("caps a long Retry-After at maxRetryDelay", async () => {
    inv.fail({ path: "/tenants", status: 429, retryAfter: 3600 });
    const started = Date.now();
    const ex = await flow({ id: "r" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token", retries: 1, maxRetryDelay: "5ms" })).run();
    expect(ex.state).toBe("SUCCESS");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("fails with the status, the body and a hint when the status is not expected; 4xx is not retried", async () => {
    const ex = await flow({ id: "x" }).step("get", http.request({ url: `${inv.url}/tenants?token=hidden`, bearer: "wrong", retries: 2, retryDelay: 1 })).run();
    expect(ex.state).toBe("FAILED");
    expect(ex.error).toMatchObject({ code: "CAPSTAN_HTTP_STATUS", stepPath: "get", hint: expect.stringContaining("credentials") });
    expect(ex.error?.message).toContain(`GET ${inv.url}/tenants answered 401 Unauthorized (expected 2xx): {"error":"unauthorized"}`);
    expect(ex.error?.message).not.toContain("hidden");
    expect(inv.requests).toHaveLength(1);
  });

  it("gives up after the retries with the last status", async () => {
    inv.fail({ path: "/tenants", status: 502, times: 5 });
    const ex = await flow({ id: "x" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token", retries: 2, retryDelay: 1 })).run();
    expect(ex.error?.message).toContain("answered 502 Bad Gateway (expected 2xx)");
    expect(inv.requests).toHaveLength(3);
  });

  it("reports a response that does not match the schema, naming the fields", async () => {
    const ex = await flow({ id: "x" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token", schema: z.array(z.object({ id: z.number() })) })).run();
    expect(ex.error?.code).toBe("CAPSTAN_HTTP_INVALID_RESPONSE");
    expect(ex.error?.message).toMatch(/does not match the schema:\n {2}- 0\.id: Invalid input: expected number, received string/);
  });

  it("times out a slow attempt and retries it", async () => {
    inv.fail({ path: "/tenants", status: 200, delayMs: 300 });
    const ex = await flow({ id: "x" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token", timeout: "50ms", retries: 1, retryDelay: 1 })).run();
    expect(ex.state).toBe("SUCCESS");
    expect(ex.outputs?.get.attempts).toBe(2);
    inv.fail({ path: "/tenants", status: 200, delayMs: 300 });
    const slow = await flow({ id: "z" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token", timeout: 20 })).run();
    expect(slow.error).toMatchObject({ code: "CAPSTAN_HTTP_TIMEOUT", message: `GET ${inv.url}/tenants timed out after 20ms` });
  });

  it("reports an unreachable server clearly", async () => {
    const dead = await startFakeServer(() => {});
    const url = dead.url;
    await dead.close();
    const ex = await flow({ id: "x" }).step("get", http.request({ url: `${url}/x` })).run();
    expect(ex.error).toMatchObject({ code: "CAPSTAN_HTTP_UNREACHABLE", message: `GET ${url}/x failed: ECONNREFUSED` });
  });

  it("rejects bad parameters before sending anything", async () => {
    const ex = await flow({ id: "x" }).step("get", http.request({ url: "ftp://nope", json: {}, body: "x" })).run();
    expect(ex.error?.code).toBe("CAPSTAN_TASK_INPUT_INVALID");
    expect(ex.error?.message).toContain("url:");
  });

  it("is cancelled with the step", async () => {
    inv.fail({ path: "/tenants", status: 200, delayMs: 500 });
    const ac = new AbortController();
    const pending = flow({ id: "x" }).step("get", http.request({ url: `${inv.url}/tenants`, bearer: "inv-token" })).run({ signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const ex = await pending;
    expect(ex.state).toBe("CANCELLED");
  });
});
