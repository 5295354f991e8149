/** @kubernetes/client-node 2.x against mockCluster(): object API, typed APIs, Watch, errors, auth, TLS. */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as k8s from "@kubernetes/client-node";
import { mockCluster, type KubeObject, type MockCluster } from "../src/index.js";

const deployment = (name: string, replicas = 1): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default", labels: { app: name } },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "nginx:1.25" }] } } },
});

/** Our plain JSON objects as client-node's model type (its metadata times are Dates). */
const asK8s = (o: KubeObject): k8s.KubernetesObject => o as unknown as k8s.KubernetesObject;

async function apiError(p: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) return { code: err.code, status: JSON.parse(err.body as string) as Record<string, unknown> };
    throw err;
  }
  throw new Error("expected an ApiException");
}

describe("client-node against the emulated cluster", () => {
  let cluster: MockCluster;
  let kc: k8s.KubeConfig;

  beforeEach(async () => {
    cluster = await mockCluster({ runtime: false, timing: { bookmarkIntervalMs: 20 } });
    kc = cluster.kubeConfig();
  });
  afterEach(async () => {
    await cluster.close();
  });

  it("creates, reads, patches, replaces, lists and deletes through KubernetesObjectApi", async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const created = await api.create(asK8s(deployment("api")));
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    const read = await api.read({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "default" } });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const patched = (await api.patch({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "default" }, spec: { replicas: 3 } })) as k8s.V1Deployment;
    expect(patched.spec?.replicas).toBe(3);
    expect(patched.metadata?.generation).toBe(2);
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    const stale = await apiError(api.replace(asK8s({ ...deployment("api", 5), metadata: { ...deployment("api").metadata, resourceVersion: created.metadata?.resourceVersion } })));
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: "api", group: "apps", kind: "deployments" },
    });

    const list = await api.list("apps/v1", "Deployment", "default");
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["api"]);
    const deleted = (await api.delete({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "default" } })) as unknown as Record<string, unknown>;
    expect(deleted).toMatchObject({ kind: "Status", status: "Success", details: { name: "api", group: "apps", kind: "deployments" } });
    const missing = await apiError(api.read({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "default" } }));
    expect(missing).toMatchObject({ code: 404, status: { reason: "NotFound", message: 'deployments.apps "api" not found' } });
  });

  it("infers apiVersion/kind of typed create bodies and answers 404 for a missing namespace", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pod = await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "p1" }, spec: { containers: [{ name: "main", image: "busybox" }] } } });
    expect(pod.apiVersion).toBe("v1");
    expect(pod.kind).toBe("Pod");
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.spec?.containers[0]?.imagePullPolicy).toBe("Always");
    const err = await apiError(core.createNamespacedPod({ namespace: "nope", body: { metadata: { name: "p1" }, spec: { containers: [{ name: "main", image: "busybox" }] } } }));
    expect(err).toMatchObject({ code: 404, status: { reason: "NotFound", message: 'namespaces "nope" not found', details: { name: "nope", kind: "namespaces" } } });
    const dup = await apiError(core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "p1" }, spec: { containers: [{ name: "main", image: "busybox" }] } } }));
    expect(dup).toMatchObject({ code: 409, status: { reason: "AlreadyExists", message: 'pods "p1" already exists' } });
    // Pods are returned on delete (ReturnDeletedObject); unscheduled pods go at once.
    const gone = await core.deleteNamespacedPod({ name: "p1", namespace: "default" });
    expect(gone).toMatchObject({ kind: "Pod", metadata: { name: "p1" } });
    expect(cluster.get({ apiVersion: "v1", kind: "Pod", name: "p1" })).toBeUndefined();
  });

  it("patches with the typed API's default JSON patch, a merge patch and server-side apply", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    cluster.apply(deployment("web"));
    await apps.patchNamespacedDeployment({ name: "web", namespace: "default", body: [{ op: "replace", path: "/spec/replicas", value: 4 }] });
    await apps.patchNamespacedDeployment({ name: "web", namespace: "default", body: { metadata: { annotations: { a: "b" } } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    expect(cluster.requests.filter((r) => r.verb === "patch").map((r) => r.contentType)).toEqual(["application/json-patch+json", "application/merge-patch+json"]);
    const web = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" });
    expect((web?.["spec"] as { replicas: number }).replicas).toBe(4);
    expect(web?.metadata.annotations).toEqual({ a: "b" });

    const ssa = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply);
    const conflict = await apiError(apps.patchNamespacedDeployment({ name: "web", namespace: "default", fieldManager: "sdk", body: deployment("web", 2) }, ssa));
    expect(conflict.code).toBe(409);
    expect(String(conflict.status["message"])).toMatch(/^Apply failed with 1 conflict: conflict with ".+" using apps\/v1: \.spec\.replicas$/);
    const applied = await apps.patchNamespacedDeployment({ name: "web", namespace: "default", fieldManager: "sdk", force: true, body: deployment("web", 2) }, ssa);
    expect(applied.spec?.replicas).toBe(2);
    const created = await apps.patchNamespacedDeployment({ name: "new", namespace: "default", fieldManager: "sdk", body: deployment("new") }, ssa);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager: "sdk", operation: "Apply" });
  });

  it("honours dryRun=All and fieldValidation", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const dry = await apps.createNamespacedDeployment({ namespace: "default", body: deployment("dry") as k8s.V1Deployment, dryRun: "All" });
    expect(dry.metadata?.name).toBe("dry");
    expect(cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "dry" })).toBeUndefined();

    const body = JSON.stringify({ ...deployment("strict"), spec: { ...(deployment("strict")["spec"] as object), colour: "red" } });
    const post = (validation: string) =>
      fetch(`${cluster.url}/apis/apps/v1/namespaces/default/deployments?fieldValidation=${validation}`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    const strict = await post("Strict");
    expect(strict.status).toBe(400);
    expect(await strict.json()).toMatchObject({ reason: "BadRequest", message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.colour"' });
    const warn = await post("Warn");
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toBe('299 - "unknown field \\"spec.colour\\""');
  });

  it("lists with label and field selectors and pages with limit/continue", async () => {
    for (let i = 0; i < 5; i++) cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, labels: { parity: i % 2 ? "odd" : "even" } }, data: { i: String(i) } });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const even = await core.listNamespacedConfigMap({ namespace: "default", labelSelector: "parity=even" });
    expect(even.items.map((c) => c.metadata?.name)).toEqual(["cm-0", "cm-2", "cm-4"]);
    const one = await core.listNamespacedConfigMap({ namespace: "default", fieldSelector: "metadata.name=cm-3" });
    expect(one.items.map((c) => c.metadata?.name)).toEqual(["cm-3"]);
    const page1 = await core.listNamespacedConfigMap({ namespace: "default", limit: 2 });
    expect(page1.items.map((c) => c.metadata?.name)).toEqual(["cm-0", "cm-1"]);
    expect(page1.metadata?.remainingItemCount).toBe(3);
    const page2 = await core.listNamespacedConfigMap({ namespace: "default", limit: 2, _continue: page1.metadata?._continue as string });
    expect(page2.items.map((c) => c.metadata?.name)).toEqual(["cm-2", "cm-3"]);
    const bad = await apiError(core.listNamespacedConfigMap({ namespace: "default", fieldSelector: "spec.foo=1" }));
    expect(bad).toMatchObject({ code: 400, status: { reason: "BadRequest", message: "field label not supported: spec.foo" } });
  });

  it("watches: initial ADDED events, changes, bookmarks", async () => {
    cluster.apply(deployment("a"));
    const events: { type: string; name?: string; rv?: string }[] = [];
    const watch = new k8s.Watch(kc);
    let done: (err: unknown) => void = () => {};
    const finished = new Promise((r) => (done = r));
    const req = await watch.watch(
      "/apis/apps/v1/namespaces/default/deployments",
      { resourceVersion: "0", allowWatchBookmarks: true },
      (type, obj: KubeObject) => events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion }),
      (err) => done(err),
    );
    await until(() => events.length >= 1);
    cluster.apply(deployment("b"));
    cluster.delete({ apiVersion: "apps/v1", kind: "Deployment", name: "a" });
    await until(() => events.some((e) => e.type === "DELETED") && events.some((e) => e.type === "BOOKMARK"));
    req.abort();
    await finished;
    const changes = events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.name}`);
    expect(changes).toEqual(["ADDED a", "ADDED b", "DELETED a"]);
    const bookmark = events.find((e) => e.type === "BOOKMARK");
    expect(Number(bookmark?.rv)).toBeGreaterThan(0);
    expect(bookmark?.name).toBeUndefined();
  });

  it("resumes a watch from a resourceVersion, and sends 410 Expired when it is too old", async () => {
    const first = cluster.apply(deployment("a"))[0]!;
    cluster.apply(deployment("b"));
    const watch = new k8s.Watch(kc);
    const seen: string[] = [];
    const req = await watch.watch("/apis/apps/v1/namespaces/default/deployments", { resourceVersion: first.metadata.resourceVersion }, (type, obj: KubeObject) => seen.push(`${type} ${obj.metadata.name}`), () => {});
    await until(() => seen.length >= 1);
    req.abort();
    expect(seen).toEqual(["ADDED b"]);

    cluster.compactHistory();
    const errors: Record<string, unknown>[] = [];
    let ended = false;
    await watch.watch("/apis/apps/v1/namespaces/default/deployments", { resourceVersion: first.metadata.resourceVersion }, (type, obj: Record<string, unknown>) => type === "ERROR" && errors.push(obj), () => (ended = true));
    await until(() => ended);
    expect(errors).toEqual([
      { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${first.metadata.resourceVersion} (${cluster.resourceVersion()})`, reason: "Expired", code: 410 },
    ]);
  });

  it("keeps an informer in sync through a 410 re-list", async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    cluster.apply(deployment("a"));
    const informer = k8s.makeInformer(kc, "/apis/apps/v1/namespaces/default/deployments", () => apps.listNamespacedDeployment({ namespace: "default" }));
    await informer.start();
    cluster.apply(deployment("b"));
    await until(() => informer.list().length === 2);
    await informer.stop();
    expect(informer.list().map((d) => d.metadata?.name).sort()).toEqual(["a", "b"]);
  });

  it("returns Tables for kubectl-style Accept headers", async () => {
    cluster.apply(deployment("t", 3));
    const res = await fetch(`${cluster.url}/apis/apps/v1/namespaces/default/deployments`, { headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } });
    const table = (await res.json()) as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[]; object: { kind: string } }[] };
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.filter((c) => c).map((c) => c.name).slice(0, 5)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age"]);
    expect(table.rows[0]?.cells.slice(0, 4)).toEqual(["t", "0/3", 0, 0]);
    expect(table.rows[0]?.object.kind).toBe("PartialObjectMetadata");
  });
});

describe("client-node with TLS and token auth", () => {
  it("talks https with the generated CA, and gets 401/403 Status bodies", async () => {
    const cluster = await mockCluster({
      runtime: false,
      tls: true,
      token: "admin-token",
      users: [{ token: "viewer", name: "jane", can: (a) => a.verb === "get" || a.verb === "list" || a.verb === "watch" }],
    });
    try {
      const core = cluster.kubeConfig().makeApiClient(k8s.CoreV1Api);
      const ns = await core.listNamespace();
      expect(ns.items.map((n) => n.metadata?.name)).toContain("default");

      const viewer = new k8s.KubeConfig();
      viewer.loadFromString(cluster.kubeconfig.replace("admin-token", "viewer"));
      const vcore = viewer.makeApiClient(k8s.CoreV1Api);
      await vcore.listNamespacedPod({ namespace: "default" });
      const forbidden = await apiError(vcore.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "x" } } }));
      expect(forbidden).toMatchObject({
        code: 403,
        status: { reason: "Forbidden", message: 'configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "default"' },
      });

      const anon = new k8s.KubeConfig();
      anon.loadFromString(cluster.kubeconfig.replace("admin-token", "wrong"));
      const obj = k8s.KubernetesObjectApi.makeApiClient(anon);
      const unauthorized = await apiError(obj.list("v1", "ConfigMap", "default"));
      expect(unauthorized).toMatchObject({ code: 401, status: { kind: "Status", reason: "Unauthorized", message: "Unauthorized", code: 401 } });
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
