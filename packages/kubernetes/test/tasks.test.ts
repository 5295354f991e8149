/** Every kubectl-like task through the real client-node against the emulated cluster over HTTP. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flow, MemoryArtifactStore, secret, staticSecrets } from "@capstan/core";
import type { MockCluster } from "@capstan/testing";
import { kubectl, kubernetes } from "../src/index.js";
import { clusters, deployment, runOn } from "./helpers.js";

let cluster: MockCluster;
beforeEach(async () => {
  [cluster] = (await clusters(1)) as [MockCluster];
});
afterEach(() => cluster.close());

const manifest = `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { mode: fast }
---
${JSON.stringify(deployment("web", 3, "nginx:1.25", "shop"))}
`;

describe("kubectl.apply", () => {
  it("applies multi-document YAML server-side and waits until the Deployment is available", async () => {
    const ex = await runOn(flow({ id: "a" }).step("apply", kubectl.apply({ manifest, waitUntilReady: "30s" })), cluster);
    expect(ex.error).toBeUndefined();
    expect(ex.outputs.apply.objects.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`)).toEqual(["Namespace/shop", "ConfigMap/settings", "Deployment/web"]);
    const dep = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "shop" }) as unknown as { status: { availableReplicas: number } };
    expect(dep.status.availableReplicas).toBe(3);
    const patches = cluster.requests.filter((r) => r.verb === "patch");
    expect(patches).toHaveLength(3);
    expect(patches[0]).toMatchObject({ contentType: "application/apply-patch+yaml", fieldManager: "capstan" });
    expect(patches.every((p) => p.query.fieldValidation === "Strict")).toBe(true);
    expect(ex.logs.some((l) => /Deployment shop\/web: 3\/3 replicas available/.test(l.message))).toBe(true);
  });

  it("rejects an unknown field with the apiserver's message, and a bad manifest before any request", async () => {
    const bad = deployment("web");
    (bad.spec.template.spec.containers[0] as Record<string, unknown>).imagePullPolicyy = "Always";
    const ex = await runOn(flow({ id: "a" }).step("apply", kubectl.apply({ manifest: bad })), cluster);
    expect(ex.state).toBe("FAILED");
    expect(ex.error?.message).toMatch(/imagePullPolicyy/);
    cluster.clearRequests();
    const broken = await runOn(flow({ id: "b" }).step("apply", kubectl.apply({ manifest: "apiVersion: v1\nkind: ConfigMap\n---\nkind: [\n" })), cluster);
    expect(broken.error).toMatchObject({ code: "CAPSTAN_K8S_MANIFEST_INVALID" });
    expect(cluster.requests).toHaveLength(0);
  });

  it("reports an SSA conflict naming the other manager, and takes the field with force", async () => {
    await runOn(flow({ id: "a" }).step("apply", kubectl.apply({ manifest: deployment("web", 2), fieldManager: "team-a" })), cluster);
    const conflict = await runOn(flow({ id: "b" }).step("apply", kubectl.apply({ manifest: deployment("web", 5), fieldManager: "team-b" })), cluster);
    expect(conflict.error).toMatchObject({ code: "CAPSTAN_K8S_CONFLICT" });
    expect(conflict.error?.message).toMatch(/conflict with "team-a".*\.spec\.replicas/s);
    const forced = await runOn(flow({ id: "c" }).step("apply", kubectl.apply({ manifest: deployment("web", 5), fieldManager: "team-b", force: true })), cluster);
    expect(forced.state).toBe("SUCCESS");
    expect((cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" }) as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
  });

  it("retries injected 429 (Retry-After) and 503 and still applies", async () => {
    const throttled = cluster.faults.add({ match: { verb: "patch" }, action: { type: "status", code: 429, retryAfterSeconds: 0 }, first: 2 });
    const unavailable = cluster.faults.add({ match: { verb: "get", resource: "deployments" }, action: { type: "status", code: 503 }, first: 1 });
    const ex = await runOn(flow({ id: "r" }).step("apply", kubectl.apply({ manifest: deployment("web", 1) })).step("get", kubectl.get({ kind: "Deployment", name: "web" })), cluster);
    expect(ex.error).toBeUndefined();
    expect(throttled.fired).toBe(2);
    expect(unavailable.fired).toBe(1);
    expect(ex.logs.filter((l) => l.level === "warn" && /TooManyRequests \(attempt \d\), retrying/.test(l.message))).toHaveLength(2);
  });

  it("fails fast with the pod's reason when a rollout cannot succeed", async () => {
    cluster.faults.add({ type: "imagePullFailure", image: "registry.example/broken:*" });
    const ex = await runOn(flow({ id: "f" }).step("apply", kubectl.apply({ manifest: deployment("web", 1, "registry.example/broken:1"), waitUntilReady: "60s" })), cluster);
    expect(ex.error).toMatchObject({ code: "CAPSTAN_K8S_NOT_READY" });
    expect(ex.error?.message).toMatch(/Deployment default\/web on .* will not become ready: pod web-[\w-]+: container app: (ErrImagePull|ImagePullBackOff)/);
    expect(ex.durationMs).toBeLessThan(20_000);
  });
});

describe("kubectl.apply on a crash-looping rollout", () => {
  it("fails early with CrashLoopBackOff, not at the timeout, though the Deployment's status stops changing", async () => {
    cluster.programs.register("crashy/app:*", () => 1);
    const ex = await runOn(flow({ id: "c" }).step("apply", kubectl.apply({ manifest: deployment("web", 1, "crashy/app:1"), waitUntilReady: "60s" })), cluster);
    expect(ex.error).toMatchObject({ code: "CAPSTAN_K8S_NOT_READY" });
    expect(ex.error?.message).toMatch(/container app: CrashLoopBackOff/);
    expect(ex.durationMs).toBeLessThan(20_000);
  });
});

describe("kubectl.get", () => {
  it("reads one object typed by kind, lists by selector, and stores large lists", async () => {
    cluster.apply([deployment("web", 1), deployment("api", 1)]);
    const ex = await runOn(
      flow({ id: "g" })
        .step("one", kubectl.get({ kind: "Deployment", name: "web", waitUntilReady: "30s" }))
        .step("list", kubectl.get({ kind: "Deployment", labelSelector: "app in (web,api)" }))
        .step("none", kubectl.get({ kind: "ConfigMap", name: "missing", optional: true }))
        .step("stored", kubectl.get({ kind: "Deployment", store: true }))
        .step("summary", ({ steps }) => ({ replicas: steps.one.spec?.replicas, names: steps.list.items.map((d) => d.metadata?.name).sort(), none: steps.none, stored: steps.stored })),
      cluster,
    );
    expect(ex.error).toBeUndefined();
    expect(ex.outputs.summary).toMatchObject({ replicas: 1, names: ["api", "web"], none: null, stored: { count: 2, items: [] } });
    expect(ex.outputs.summary.stored.uri).toMatch(/^capstan:\/\/.*deployments\.jsonl$/);
    expect(ex.outputs.list.items[0]).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment" });
  });

  it("keeps waiting across cut watch streams and a 410 Gone (resumes from the last resourceVersion, re-reads when expired)", async () => {
    cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flag", namespace: "default" }, data: { n: "0" } });
    const cut = cluster.faults.add({ match: { verb: "watch" }, action: { type: "cutStream", after: 1 }, first: 1 });
    // Every watch request is held a while, so history can be compacted while the client reconnects.
    cluster.faults.add({ match: { verb: "watch" }, action: { type: "delay", ms: 300 } });
    const waiting = runOn(flow({ id: "w" }).step("flag", kubectl.get({ kind: "ConfigMap", name: "flag", waitFor: (c: { data?: { n?: string } }) => c.data?.n === "3", timeout: "30s" })), cluster);
    const set = (n: number) => cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flag", namespace: "default" }, data: { n: String(n) } });
    const until = async (pred: () => boolean) => { for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10)); };
    await until(() => cluster.requests.some((r) => r.verb === "watch"));
    set(1);
    await until(() => cut.fired >= 1);
    set(2);
    cluster.compactHistory();
    set(3);
    const reads = () => cluster.requests.filter((r) => r.verb === "get" && r.resource === "configmaps").length;
    const ex = await waiting;
    expect(ex.error).toBeUndefined();
    expect(ex.outputs.flag.data.n).toBe("3");
    expect(cluster.requests.filter((r) => r.verb === "watch").length).toBeGreaterThanOrEqual(2);
    // The first read, then a re-read after the reconnecting watch got 410 Gone.
    expect(reads()).toBeGreaterThanOrEqual(2);
  });

  it("waits for a predicate, and names a missing object", async () => {
    cluster.apply(deployment("web", 2));
    const ex = await runOn(flow({ id: "w" }).step("ready", kubectl.get({ kind: "Deployment", name: "web", waitFor: (d: { status?: { availableReplicas?: number } }) => d.status?.availableReplicas === 2, timeout: "30s" })), cluster);
    expect(ex.outputs.ready.status.availableReplicas).toBe(2);
    const missing = await runOn(flow({ id: "m" }).step("get", kubectl.get({ kind: "Deployment", name: "nope" })), cluster);
    expect(missing.error).toMatchObject({ code: "CAPSTAN_K8S_NOT_FOUND" });
    expect(missing.error?.message).toMatch(/deployments.apps "nope" not found/);
  });
});

describe("kubectl.patch, delete and restart", () => {
  it("patches with strategic merge, JSON merge and JSON patch; a failing test op fails", async () => {
    cluster.apply(deployment("web", 1));
    const ex = await runOn(
      flow({ id: "p" })
        .step("smp", kubectl.patch({ kind: "Deployment", name: "web", patch: { spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.26" }] } } } } }))
        .step("merge", kubectl.patch({ kind: "Deployment", name: "web", type: "merge", patch: { metadata: { labels: { tier: "front" } } } }))
        .step("json", kubectl.patch({ kind: "Deployment", name: "web", patch: [{ op: "replace", path: "/spec/replicas", value: 2 }] })),
      cluster,
    );
    expect(ex.error).toBeUndefined();
    const dep = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" }) as unknown as { metadata: { labels: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
    expect(dep.spec.template.spec.containers[0]!.image).toBe("nginx:1.26");
    expect(dep.metadata.labels.tier).toBe("front");
    expect(dep.spec.replicas).toBe(2);
    expect(cluster.requests.filter((r) => r.verb === "patch").map((r) => r.contentType)).toEqual(["application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json"]);
    const failed = await runOn(flow({ id: "t" }).step("json", kubectl.patch({ kind: "Deployment", name: "web", patch: [{ op: "test", path: "/spec/replicas", value: 9 }] })), cluster);
    expect(failed.error).toMatchObject({ code: "CAPSTAN_K8S_INVALID" });
  });

  it("re-sends a patch after an optimistic-lock 409 (it carries no resourceVersion), but not a field-manager conflict", async () => {
    cluster.apply(deployment("web", 1));
    const conflict = cluster.faults.add({ match: { verb: "patch" }, action: { type: "status", code: 409 }, first: 2 });
    const ex = await runOn(flow({ id: "p" }).step("merge", kubectl.patch({ kind: "Deployment", name: "web", type: "merge", patch: { metadata: { labels: { tier: "front" } } } })), cluster);
    expect(ex.error).toBeUndefined();
    expect(conflict.fired).toBe(2);
    expect(cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })?.metadata.labels?.["tier"]).toBe("front");
    expect(ex.logs.filter((l) => l.level === "warn" && /Conflict \(attempt \d\), retrying/.test(l.message))).toHaveLength(2);
    conflict.remove();
    // A JSON patch whose `test` op carries a resourceVersion is conditional: its 409 is the answer.
    const guarded = cluster.faults.add({ match: { verb: "patch" }, action: { type: "status", code: 409 }, first: 1 });
    const test = await runOn(flow({ id: "t" }).step("json", kubectl.patch({ kind: "Deployment", name: "web", patch: [{ op: "test", path: "/metadata/resourceVersion", value: "1" }, { op: "replace", path: "/spec/replicas", value: 2 }] })), cluster);
    expect(test.error).toMatchObject({ code: "CAPSTAN_K8S_CONFLICT" });
    expect(guarded.matched).toBe(1);
  });

  it("deletes with propagation and waits until gone; missing objects are a no-op unless asked", async () => {
    cluster.apply(deployment("web", 2));
    const ex = await runOn(flow({ id: "d" }).step("ready", kubectl.get({ kind: "Deployment", name: "web", waitUntilReady: "30s" })).step("del", kubectl.delete({ kind: "Deployment", names: ["web", "gone"], propagationPolicy: "Foreground", wait: "30s" })), cluster);
    expect(ex.error).toBeUndefined();
    expect(ex.outputs.del).toEqual({ deleted: ["web"], missing: ["gone"] });
    expect(cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })).toBeUndefined();
    expect(cluster.list("v1", "Pod", "default", { labelSelector: "app=web" })).toHaveLength(0);
    const strict = await runOn(flow({ id: "s" }).step("del", kubectl.delete({ kind: "ConfigMap", name: "gone", missing: "error" })), cluster);
    expect(strict.error).toMatchObject({ code: "CAPSTAN_K8S_NOT_FOUND" });
  });

  it("restarts a Deployment the way kubectl does and waits for the rollout", async () => {
    cluster.apply(deployment("web", 2));
    const ex = await runOn(flow({ id: "r" }).step("ready", kubectl.get({ kind: "Deployment", name: "web", waitUntilReady: "30s" })).step("restart", kubectl.restart({ kind: "Deployment", name: "web", wait: "60s" })), cluster);
    expect(ex.error).toBeUndefined();
    const dep = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" }) as unknown as { metadata: { generation: number }; spec: { template: { metadata: { annotations: Record<string, string> } } }; status: { updatedReplicas: number; availableReplicas: number; observedGeneration: number } };
    expect(dep.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]).toBe(ex.outputs.restart.restarted[0].restartedAt);
    expect(dep.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2, observedGeneration: dep.metadata.generation });
  });
});

describe("clusters", () => {
  it("runs a forEach over several clusters, one of them failing, the others unaffected", async () => {
    const [a, b, c] = (await clusters(3)) as [MockCluster, MockCluster, MockCluster];
    try {
      b.faults.add({ match: { verb: "patch" }, action: { type: "status", code: 403, message: "tenants are read-only today" } });
      const f = flow({ id: "fleet" }).forEach("tenants", ["a", "b", "c"], { concurrency: 3, onItemError: "continue" }, (each) =>
        each.step("apply", kubectl.apply(({ item }) => ({ manifest: deployment("web", 1), cluster: item }))),
      );
      const ex = await runOn(f, undefined, { named: { a, b, c } });
      expect(ex.outputs.tenants.map((t: { ok: boolean }) => t.ok)).toEqual([true, false, true]);
      expect(ex.outputs.tenants[1].error).toMatchObject({ code: "CAPSTAN_K8S_FORBIDDEN" });
      expect(a.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })).toBeDefined();
      expect(b.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })).toBeUndefined();
      expect(c.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })).toBeDefined();
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it("takes a cluster mapping whose kubeconfig is a secret, and never shows it", async () => {
    const ex = await flow({ id: "s" })
      .step("get", kubectl.get({ kind: "Namespace", name: "default", cluster: "tenant" }))
      .run({ secrets: [staticSecrets({ TENANT_KC: cluster.kubeconfig })], storage: new MemoryArtifactStore(), services: kubernetes({ clusters: { tenant: { kubeconfig: secret("TENANT_KC") } } }) });
    expect(ex.error).toBeUndefined();
    expect(ex.outputs?.get.metadata?.name).toBe("default");
  });

  it("names an unreachable cluster and a bad kubeconfig, without sending anything for the latter", async () => {
    const url = cluster.url;
    await cluster.close();
    const ex = await runOn(flow({ id: "u" }).step("get", kubectl.get({ kind: "Namespace", name: "default", cluster: { kubeconfig: `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\ncurrent-context: x\n` } })), undefined);
    expect(ex.error).toMatchObject({ code: "CAPSTAN_K8S_UNREACHABLE" });
    expect(ex.error?.message).toContain(`cannot reach the apiserver at ${url}`);
    [cluster] = (await clusters(1)) as [MockCluster];
    const bad = await runOn(flow({ id: "k" }).step("get", kubectl.get({ kind: "Namespace", name: "default", cluster: { kubeconfig: cluster.kubeconfig, context: "nope" } })), undefined);
    expect(bad.error).toMatchObject({ code: "CAPSTAN_K8S_CONFIG" });
    expect(bad.error?.message).toMatch(/context "nope" is not in inline kubeconfig/);
    expect(cluster.requests).toHaveLength(0);
  });
});
