import { describe, expect, it } from "vitest";
import { ResourceRegistry } from "../discovery/resources.js";
import { SemanticsAdapter } from "../server/semantics-adapter.js";
import { StatusError } from "./errors.js";
import { ClusterStore } from "./object-store.js";
import type { KubeObject, StoreEvent } from "./types.js";

const DEPLOY = { group: "apps", version: "v1", resource: "deployments" };
const PODS = { group: "", version: "v1", resource: "pods" };
const NS = { group: "", version: "v1", resource: "namespaces" };
const CM = { group: "", version: "v1", resource: "configmaps" };

function newStore(historySize = 100): ClusterStore {
  return new ClusterStore({ registry: new ResourceRegistry(), admission: new SemanticsAdapter(), historySize });
}

const deployment = (name: string, replicas = 1): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
});

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error("expected a StatusError");
}

describe("ClusterStore", () => {
  it("assigns metadata and a cluster-wide increasing resourceVersion", () => {
    const s = newStore();
    const a = s.create(DEPLOY, deployment("a"));
    const b = s.create(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "default" } });
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(b.metadata.resourceVersion)).toBe(Number(a.metadata.resourceVersion) + 1);
    expect(s.resourceVersion()).toBe(b.metadata.resourceVersion);
    expect(a.metadata.generation).toBe(1);
    expect(b.metadata.generation).toBeUndefined();
    expect(a["status"]).toEqual({});
  });

  it("bumps generation on spec changes only and keeps status on main-resource updates", () => {
    const s = newStore();
    s.create(DEPLOY, deployment("a"));
    const withStatus = s.mutate(DEPLOY, "default", "a", (d) => (d["status"] = { replicas: 1 }), { subresource: "status" });
    expect(withStatus?.metadata.generation).toBe(1);
    const labelled = s.mutate(DEPLOY, "default", "a", (d) => (d.metadata.labels = { x: "y" }));
    expect(labelled?.metadata.generation).toBe(1);
    const scaled = s.mutate(DEPLOY, "default", "a", (d) => {
      (d["spec"] as { replicas: number }).replicas = 3;
      d["status"] = { replicas: 99 };
    });
    expect(scaled?.metadata.generation).toBe(2);
    expect(scaled?.["status"]).toEqual({ replicas: 1 });
  });

  it("rejects stale updates and duplicate creates with the apiserver's messages", () => {
    const s = newStore();
    const a = s.create(DEPLOY, deployment("a"));
    s.mutate(DEPLOY, "default", "a", (d) => ((d["spec"] as { replicas: number }).replicas = 2));
    expect(thrown(() => s.update(DEPLOY, a)).message).toBe('Operation cannot be fulfilled on deployments.apps "a": the object has been modified; please apply your changes to the latest version and try again');
    expect(thrown(() => s.create(DEPLOY, deployment("a"))).toStatus()).toMatchObject({ code: 409, reason: "AlreadyExists", message: 'deployments.apps "a" already exists' });
    expect(thrown(() => s.create(DEPLOY, { ...deployment("x"), metadata: { name: "x", namespace: "ghost" } })).message).toBe('namespaces "ghost" not found');
  });

  it("does not bump the resourceVersion for no-op updates", () => {
    const s = newStore();
    const a = s.create(DEPLOY, deployment("a"));
    const same = s.update(DEPLOY, a);
    expect(same.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
  });

  it("deletes pods gracefully once scheduled, and waits for finalizers", () => {
    const s = newStore();
    const events: StoreEvent[] = [];
    s.subscribe((e) => events.push(e));
    s.create(PODS, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "x" }] } });
    const terminating = s.delete(PODS, "default", "p");
    expect(terminating?.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(s.get(PODS, "default", "p")?.metadata.deletionTimestamp).toBeDefined();
    s.delete(PODS, "default", "p", { gracePeriodSeconds: 0 });
    expect(s.get(PODS, "default", "p")).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);

    s.create(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "f", namespace: "default", finalizers: ["example.com/keep"] } });
    s.delete(CM, "default", "f");
    expect(s.get(CM, "default", "f")?.metadata.deletionTimestamp).toBeDefined();
    s.mutate(CM, "default", "f", (c) => (c.metadata.finalizers = []));
    expect(s.get(CM, "default", "f")).toBeUndefined();
  });

  it("adds the propagation finalizers the garbage collector acts on", () => {
    const s = newStore();
    s.create(DEPLOY, deployment("a"));
    const fg = s.delete(DEPLOY, "default", "a", { propagationPolicy: "Foreground" });
    expect(fg?.metadata.finalizers).toEqual(["foregroundDeletion"]);
  });

  it("terminates a namespace: content deleted, then the namespace", () => {
    const s = newStore();
    s.create(NS, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    s.create(CM, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "team" } });
    s.delete(NS, undefined, "team");
    expect(s.get(CM, "team", "c")).toBeUndefined();
    expect(s.get(NS, undefined, "team")).toBeUndefined();
    expect(thrown(() => s.delete(NS, undefined, "default")).message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it("replays history for watches and expires resourceVersions older than it", () => {
    const s = newStore(3);
    const info = s.registry.lookup("apps", "v1", "deployments")!;
    const a = s.create(DEPLOY, deployment("a"));
    s.create(DEPLOY, deployment("b"));
    const { backlog, stop } = s.watch(info, {}, Number(a.metadata.resourceVersion), () => {});
    stop();
    expect(backlog.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED b"]);
    for (let i = 0; i < 5; i++) s.create(DEPLOY, deployment(`x${i}`));
    expect(thrown(() => s.watch(info, {}, Number(a.metadata.resourceVersion), () => {})).toStatus()).toMatchObject({ code: 410, reason: "Expired" });
  });

  it("serves custom resources when a CRD is created and removes them with it", () => {
    const s = newStore();
    const CRD = { group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions" };
    s.create(CRD, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: { group: "example.com", scope: "Namespaced", names: { plural: "widgets", kind: "Widget" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    });
    const W = { group: "example.com", version: "v1", resource: "widgets" };
    s.create(W, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" }, spec: { size: 1 } });
    expect(s.list(W, "default").map((w) => w.metadata.name)).toEqual(["w"]);
    expect(s.get(CRD, undefined, "widgets.example.com")?.["status"]).toMatchObject({ conditions: [{ type: "NamesAccepted" }, { type: "Established", status: "True" }] });
    s.delete(CRD, undefined, "widgets.example.com");
    expect(s.registry.lookup("example.com", "v1", "widgets")).toBeUndefined();
  });
});
