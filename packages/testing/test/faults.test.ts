/** Each fault rule, seen from a real client: exactly the injected failure, then normal service. */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { mockCluster, type KubeObject, type MockCluster } from "../src/index.js";

async function failure(p: Promise<unknown>): Promise<k8s.ApiException<string>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) return err as k8s.ApiException<string>;
    throw err;
  }
  throw new Error("expected an ApiException");
}

const cm = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } });

describe("fault injection", () => {
  let cluster: MockCluster;
  let core: k8s.CoreV1Api;

  beforeEach(async () => {
    cluster = await mockCluster({ runtime: false, faultSeed: 42 });
    core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
    cluster.apply(cm("c1"));
  });
  afterEach(async () => {
    await cluster.close();
  });

  it("429 with Retry-After on the first N matching requests", async () => {
    const rule = cluster.faults.add({ match: { verb: "get", resource: "configmaps" }, first: 2, action: { type: "status", code: 429, retryAfterSeconds: 3 } });
    for (let i = 0; i < 2; i++) {
      const err = await failure(core.readNamespacedConfigMap({ name: "c1", namespace: "default" }));
      expect(err.code).toBe(429);
      expect(err.headers["retry-after"]).toBe("3");
      expect(JSON.parse(err.body)).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Too many requests, please try again later.",
        reason: "TooManyRequests",
        details: { name: "c1", group: "", kind: "configmaps", retryAfterSeconds: 3 },
        code: 429,
      });
    }
    expect((await core.readNamespacedConfigMap({ name: "c1", namespace: "default" })).data).toEqual({ a: "1" });
    expect(rule.fired).toBe(2);
    expect(cluster.requests.map((r) => r.fault ?? "-")).toEqual(["status", "status", "-"]);
  });

  it("500 and 503 on every Nth request", async () => {
    cluster.faults.add({ match: { verb: "list", resource: "configmaps" }, every: 2, action: { type: "status", code: 503 } });
    cluster.faults.add({ match: { verb: "create" }, action: { type: "status", code: 500 }, times: 1 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        await core.listNamespacedConfigMap({ namespace: "default" });
        codes.push(200);
      } catch (err) {
        codes.push((err as k8s.ApiException<string>).code);
      }
    }
    expect(codes).toEqual([200, 503, 200, 503]);
    const err = await failure(core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c2" } } }));
    expect(err.code).toBe(500);
    expect(JSON.parse(err.body)).toMatchObject({ reason: "InternalError", message: "Internal error occurred: injected fault" });
    expect(cluster.get({ apiVersion: "v1", kind: "ConfigMap", name: "c2" })).toBeUndefined();
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c2" } } });
  });

  it("409 Conflict with the optimistic-lock message", async () => {
    cluster.faults.add({ match: { verb: "update", name: "c1" }, action: { type: "status", code: 409 } });
    const current = await core.readNamespacedConfigMap({ name: "c1", namespace: "default" });
    const err = await failure(core.replaceNamespacedConfigMap({ name: "c1", namespace: "default", body: current }));
    expect(err.code).toBe(409);
    expect(JSON.parse(err.body).message).toBe('Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again');
  });

  it("connection reset", async () => {
    cluster.faults.add({ match: { path: "/api/v1/namespaces/default/configmaps/c1" }, first: 1, action: { type: "reset" } });
    await expect(fetch(`${cluster.url}/api/v1/namespaces/default/configmaps/c1`)).rejects.toThrow(/fetch failed/);
    expect((await fetch(`${cluster.url}/api/v1/namespaces/default/configmaps/c1`)).status).toBe(200);
  });

  it("a lost response: the write takes effect, the client sees the connection cut", async () => {
    const rule = cluster.faults.add({ match: { verb: "create", resource: "configmaps" }, first: 1, action: { type: "dropResponse" } });
    await expect(core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c2" }, data: { b: "2" } } })).rejects.toThrow(/socket hang up|ECONNRESET|terminated|fetch failed/);
    expect(rule.fired).toBe(1);
    expect(cluster.get({ apiVersion: "v1", kind: "ConfigMap", name: "c2" })?.["data"]).toEqual({ b: "2" });
    // The retry a client makes meets its own object.
    const err = await failure(core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "c2" } } }));
    expect(err.code).toBe(409);
    expect(JSON.parse(err.body).reason).toBe("AlreadyExists");
  });

  it("slow responses", async () => {
    cluster.faults.add({ match: { verb: "get" }, action: { type: "delay", ms: 300 } });
    const start = Date.now();
    const res = await core.readNamespacedConfigMap({ name: "c1", namespace: "default" });
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
    expect(res.metadata?.name).toBe("c1");
  });

  it("seeded probability fires the same requests for the same seed", async () => {
    const run = async (): Promise<number[]> => {
      cluster.faults.clear();
      cluster.faults.reseed(7);
      cluster.faults.add({ match: { verb: "get" }, probability: 0.5, action: { type: "status", code: 503 } });
      const codes: number[] = [];
      for (let i = 0; i < 12; i++) codes.push((await fetch(`${cluster.url}/api/v1/namespaces/default/configmaps/c1`)).status);
      return codes;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it("cuts a watch stream after N events", async () => {
    for (let i = 2; i <= 5; i++) cluster.apply(cm(`c${i}`));
    cluster.faults.add({ match: { verb: "watch" }, first: 1, action: { type: "cutStream", after: 3 } });
    const seen: string[] = [];
    const done = new Promise<unknown>((resolve) => {
      void new k8s.Watch(cluster.kubeConfig()).watch("/api/v1/namespaces/default/configmaps", {}, (type, obj: KubeObject) => seen.push(`${type} ${obj.metadata.name}`), resolve);
    });
    expect(await done).toBeNull();
    expect(seen).toEqual(["ADDED c1", "ADDED c2", "ADDED c3"]);
  });

  it("restarts the server: open watches drop, state is kept, the port answers again", async () => {
    const watchEnded = new Promise<unknown>((resolve) => {
      void new k8s.Watch(cluster.kubeConfig()).watch("/api/v1/namespaces/default/configmaps", { resourceVersion: cluster.resourceVersion() }, () => {}, resolve);
    });
    await new Promise((r) => setTimeout(r, 50));
    cluster.faults.add({ match: { verb: "delete" }, first: 1, action: { type: "restart", downMs: 100 } });
    await expect(core.deleteNamespacedConfigMap({ name: "c1", namespace: "default" })).rejects.toThrow();
    await watchEnded;
    await new Promise((r) => setTimeout(r, 150));
    const again = await core.readNamespacedConfigMap({ name: "c1", namespace: "default" });
    expect(again.data).toEqual({ a: "1" });
  });
});

describe("runtime faults through the same face", () => {
  it("cuts a log stream after N lines and fails image pulls", async () => {
    const cluster = await mockCluster({ runtime: { timing: { schedule: 1, imagePull: 1, containerStart: 1, readiness: 1 } } });
    try {
      cluster.programs.register("printer:*", async (ctx) => {
        for (let i = 1; i <= 5; i++) ctx.stdout.write(`line ${i}\n`);
        await ctx.sleep(3600);
      });
      cluster.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "main", image: "printer:1" }] } });
      const pull = cluster.faults.add({ type: "imagePullFailure", image: "broken:*" });
      cluster.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "b" }, spec: { containers: [{ name: "main", image: "broken:1" }] } });
      await until(() => (cluster.get({ apiVersion: "v1", kind: "Pod", name: "p" })?.["status"] as { phase?: string }).phase === "Running");
      await new Promise((r) => setTimeout(r, 50));
      cluster.faults.add({ match: { resource: "pods", subresource: "log" }, action: { type: "cutStream", after: 2 } });
      const res = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/p/log?follow=true`);
      expect(await res.text()).toBe("line 1\nline 2\n");
      await until(() => JSON.stringify(cluster.get({ apiVersion: "v1", kind: "Pod", name: "b" })?.["status"] ?? {}).includes("ImagePull"));
      pull.remove();
    } finally {
      await cluster.close();
    }
  });
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
