import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../store/types.js";
import { applyDefaults } from "../defaults/defaults.js";
import { SchemaRegistry } from "../schema/registry.js";
import { BEFORE_FIRST_APPLY, serverSideApply } from "./apply.js";
import { trackUpdate } from "./update.js";

const GVK = { group: "apps", version: "v1", kind: "Deployment" };

/** The manifest of research §2.4's `kubectl apply --server-side -f deploy.yaml`. */
function manifest(replicas = 2, containers: unknown[] = [{ name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] }]): Record<string, any> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers } } },
  };
}

function apply(live: KubeObject | undefined, applied: unknown, manager = "kubectl", force = false, now = "2024-05-01T10:00:00Z") {
  return serverSideApply({ live, applied, manager, force, now });
}

const entry = (obj: KubeObject | undefined, manager: string): any => (obj?.metadata.managedFields as any[] | undefined)?.find((m) => m.manager === manager);

describe("serverSideApply", () => {
  it("creates the object when it does not exist, defaulted, with the applier's field set", () => {
    const r = apply(undefined, manifest());
    expect(r.created).toBe(true);
    expect(r.error).toBeUndefined();
    const obj: any = r.object;
    expect(obj.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: "2024-05-01T10:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it("re-applying the same config changes nothing but the time", () => {
    const first = apply(undefined, manifest()).object;
    const again = apply(first, manifest(), "kubectl", false, "2024-05-01T11:00:00Z");
    expect({ ...again.object, metadata: { ...again.object?.metadata, managedFields: undefined } }).toEqual({ ...first, metadata: { ...first?.metadata, managedFields: undefined } });
    expect(entry(again.object, "kubectl").time).toBe("2024-05-01T11:00:00Z");
  });

  it("conflicts with a kubectl scale/patch that changed the same field, with the apiserver's message", () => {
    const created = apply(undefined, manifest()).object as KubeObject;
    const patched = trackUpdate({ old: created, updated: { ...created, spec: { ...(created.spec as object), replicas: 5 } }, manager: "kubectl-patch", now: "2024-05-01T10:05:00Z" });
    const r = apply(patched, manifest(3));
    expect(r.object).toBeUndefined();
    expect(r.conflicts).toEqual([{ manager: "kubectl-patch", operation: "Update", apiVersion: "apps/v1", field: ".spec.replicas", managerDescription: '"kubectl-patch" using apps/v1' }]);
    expect(r.error?.toStatus()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas',
      reason: "Conflict",
      details: { causes: [{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-patch" using apps/v1', field: ".spec.replicas" }] },
      code: 409,
    });
  });

  it("applying the value another manager set shares ownership instead of conflicting", () => {
    const created = apply(undefined, manifest()).object as KubeObject;
    const patched = trackUpdate({ old: created, updated: { ...created, spec: { ...(created.spec as object), replicas: 5 } }, manager: "kubectl-patch" });
    const r = apply(patched, manifest(5));
    expect(r.error).toBeUndefined();
    expect(entry(r.object, "kubectl-patch").fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(entry(r.object, "kubectl").fieldsV1["f:spec"]["f:replicas"]).toEqual({});
  });

  it("force takes ownership away from the other manager", () => {
    const created = apply(undefined, manifest()).object as KubeObject;
    const scaled = trackUpdate({ old: created, updated: { ...created, spec: { ...(created.spec as object), replicas: 5 } }, manager: "kubectl", subresource: "scale" });
    expect(apply(scaled, manifest(3)).error?.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    const r = apply(scaled, manifest(3), "kubectl", true);
    expect(r.error).toBeUndefined();
    expect((r.object as any).spec.replicas).toBe(3);
    expect((r.object?.metadata.managedFields as any[]).map((m) => m.manager)).toEqual(["kubectl"]);
  });

  it("lists several conflicts grouped by manager", () => {
    const created = apply(undefined, manifest()).object as KubeObject;
    const edited = trackUpdate({
      old: created,
      updated: { ...created, metadata: { ...created.metadata, labels: { app: "x" } }, spec: { ...(created.spec as object), replicas: 7 } },
      manager: "editor",
    });
    const r = apply(edited, manifest(3));
    expect(r.error?.message).toBe('Apply failed with 2 conflicts: conflicts with "editor" using apps/v1:\n- .metadata.labels.app\n- .spec.replicas');
  });

  it("removes fields the applier stopped applying, unless someone else owns them", () => {
    const two = manifest(2, [{ name: "nginx", image: "nginx" }, { name: "sidecar", image: "envoy" }]);
    two.metadata.labels.tier = "web";
    const created = apply(undefined, two).object as KubeObject;
    const r = apply(created, manifest(2, [{ name: "nginx", image: "nginx" }]));
    const obj: any = r.object;
    expect(obj.spec.template.spec.containers.map((c: any) => c.name)).toEqual(["nginx"]);
    expect(obj.metadata.labels).toEqual({ app: "web" });

    const labelled = trackUpdate({ old: created, updated: { ...created, metadata: { ...created.metadata, annotations: { note: "x" } } }, manager: "other" });
    const shared = trackUpdate({ old: labelled, updated: labelled, manager: "other" });
    expect(entry(shared, "other").fieldsV1).toEqual({ "f:metadata": { "f:annotations": { ".": {}, "f:note": {} } } });
  });

  it("keeps a list item another manager still has fields in", () => {
    const created = apply(undefined, manifest(2, [{ name: "nginx", image: "nginx" }, { name: "sidecar", image: "envoy" }])).object as KubeObject;
    const spec: any = structuredClone(created.spec);
    spec.template.spec.containers[1].args = ["--v=2"];
    const edited = trackUpdate({ old: created, updated: { ...created, spec }, manager: "debugger" });
    const r = apply(edited, manifest(2, [{ name: "nginx", image: "nginx" }]));
    const sidecar = (r.object as any).spec.template.spec.containers.find((c: any) => c.name === "sidecar");
    expect(sidecar).toMatchObject({ args: ["--v=2"] });
    expect(sidecar).not.toHaveProperty("image");
  });

  it("resets a dropped field that has a default to the default", () => {
    const created = apply(undefined, manifest(4)).object as KubeObject;
    const without = manifest();
    delete without.spec.replicas;
    expect((apply(created, without).object as any).spec.replicas).toBe(1);
  });

  it("merges list-map items by key and keeps other managers' items in place", () => {
    const created = apply(undefined, manifest(2, [{ name: "a", image: "a" }, { name: "b", image: "b" }])).object as KubeObject;
    const other = serverSideApply({ live: created, applied: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "c", image: "c" }] } } } }, manager: "injector" }).object as KubeObject;
    const r = apply(other, manifest(2, [{ name: "a", image: "a2" }, { name: "b", image: "b" }]));
    expect((r.object as any).spec.template.spec.containers.map((c: any) => `${c.name}:${c.image}`)).toEqual(["a:a2", "b:b", "c:c"]);
  });

  it("treats atomic fields as a whole (selector, command)", () => {
    const created = apply(undefined, manifest(2, [{ name: "a", image: "a", command: ["sh", "-c", "x"] }])).object as KubeObject;
    const r = apply(created, manifest(2, [{ name: "a", image: "a", command: ["y"] }]));
    expect((r.object as any).spec.template.spec.containers[0].command).toEqual(["y"]);
    expect(entry(r.object, "kubectl").fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"a"}']["f:command"]).toEqual({});
  });

  it("owns set members with v: keys (finalizers)", () => {
    const m = manifest();
    m.metadata.finalizers = ["example.com/a"];
    const r = apply(undefined, m);
    expect(entry(r.object, "kubectl").fieldsV1["f:metadata"]["f:finalizers"]).toEqual({ 'v:"example.com/a"': {} });
  });

  it("assigns existing fields to before-first-apply when the live object has no managedFields", () => {
    const live = applyDefaults(GVK, manifest()) as KubeObject;
    const r = apply(live, manifest(3));
    expect(r.error?.message).toBe(`Apply failed with 1 conflict: conflict with "${BEFORE_FIRST_APPLY}" using apps/v1: .spec.replicas`);
  });

  it("ignores status on the main resource and only takes status on /status", () => {
    const created = apply(undefined, manifest()).object as KubeObject;
    const withStatus = { ...manifest(), status: { replicas: 9 } };
    expect(apply(created, withStatus).object).not.toHaveProperty("status");
    const r = serverSideApply({ live: created, applied: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, status: { replicas: 9 }, spec: { replicas: 100 } }, manager: "ctrl", subresource: "status" });
    expect((r.object as any).status).toEqual({ replicas: 9 });
    expect((r.object as any).spec.replicas).toBe(2);
    expect(entry(r.object, "ctrl")).toMatchObject({ operation: "Apply", subresource: "status", fieldsV1: { "f:status": { "f:replicas": {} } } });
  });

  it("rejects bodies without kind or with managedFields", () => {
    expect(apply(undefined, { apiVersion: "v1", metadata: { name: "x" } }).error?.toStatus()).toMatchObject({ code: 400, reason: "BadRequest" });
    const m = manifest();
    m.metadata.managedFields = [];
    expect(apply(undefined, m).error?.message).toBe("metadata.managedFields must be nil");
  });

  it("works for custom resources without a structural list type (lists atomic)", () => {
    const registry = new SchemaRegistry();
    const gvk = { group: "example.com", version: "v1", kind: "Widget" };
    registry.registerCustomSchema(gvk, { type: "object", properties: { spec: { type: "object", properties: { hosts: { type: "array", items: { type: "string" } }, size: { type: "integer" } } } } });
    const body = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { hosts: ["a"], size: 1 } };
    const created = serverSideApply({ live: undefined, applied: body, manager: "m1", registry }).object as KubeObject;
    expect(entry(created, "m1").fieldsV1).toEqual({ "f:spec": { "f:hosts": {}, "f:size": {} } });
    const r = serverSideApply({ live: created, applied: { ...body, spec: { hosts: ["b"] } }, manager: "m2", registry });
    expect(r.error?.message).toBe('Apply failed with 1 conflict: conflict with "m1": .spec.hosts');
  });
});
