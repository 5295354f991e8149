import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../store/types.js";
import { applyDefaults } from "../defaults/defaults.js";
import { trackUpdate } from "./update.js";

const GVK = { group: "apps", version: "v1", kind: "Deployment" };
const base = (): KubeObject =>
  applyDefaults(GVK, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "nginx", namespace: "default", labels: { app: "nginx" } },
    spec: { replicas: 1, selector: { matchLabels: { app: "nginx" } }, template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
  });

describe("trackUpdate", () => {
  it("records a create like `kubectl create deployment` does", () => {
    const created = trackUpdate({ old: undefined, updated: base(), manager: "kubectl-create", now: "2024-01-01T00:00:00Z" });
    expect(created.metadata.managedFields).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "apps/v1",
        time: "2024-01-01T00:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            "f:progressDeadlineSeconds": {},
            "f:replicas": {},
            "f:revisionHistoryLimit": {},
            "f:selector": {},
            "f:strategy": { "f:rollingUpdate": { ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {} }, "f:type": {} },
            "f:template": {
              "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}, "f:resources": {}, "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {} },
                },
                "f:dnsPolicy": {},
                "f:restartPolicy": {},
                "f:schedulerName": {},
                "f:securityContext": {},
                "f:terminationGracePeriodSeconds": {},
              },
            },
          },
        },
      },
    ]);
  });

  it("moves changed fields from other managers to the writer, and keeps Apply entries first", () => {
    const created = trackUpdate({ old: undefined, updated: base(), manager: "kubectl-create", now: "2024-01-01T00:00:00Z" });
    const updated = structuredClone(created);
    (updated.spec as any).replicas = 3;
    const scaled = trackUpdate({ old: created, updated, manager: "kubectl", subresource: "scale", now: "2024-01-01T00:01:00Z" });
    const entries = scaled.metadata.managedFields as any[];
    expect(entries.map((e) => [e.manager, e.subresource])).toEqual([
      ["kubectl-create", undefined],
      ["kubectl", "scale"],
    ]);
    expect(entries[1].fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(entries[0].fieldsV1["f:spec"]).not.toHaveProperty("f:replicas");
  });

  it("does not record a manager that changed nothing", () => {
    const created = trackUpdate({ old: undefined, updated: base(), manager: "a" });
    const same = trackUpdate({ old: created, updated: structuredClone(created), manager: "b" });
    expect((same.metadata.managedFields as any[]).map((e) => e.manager)).toEqual(["a"]);
  });

  it("drops removed fields from every manager", () => {
    const created = trackUpdate({ old: undefined, updated: base(), manager: "a" });
    const updated = structuredClone(created);
    delete updated.metadata.labels;
    const out = trackUpdate({ old: created, updated, manager: "b" });
    expect((out.metadata.managedFields as any[])[0].fieldsV1).not.toHaveProperty("f:metadata");
  });

  it("`managedFields: [{}]` clears them; status writes only track status", () => {
    const created = trackUpdate({ old: undefined, updated: base(), manager: "a" });
    const cleared = trackUpdate({ old: created, updated: { ...created, metadata: { ...created.metadata, managedFields: [{}] } }, manager: "b" });
    expect(cleared.metadata).not.toHaveProperty("managedFields");
    const withStatus: KubeObject = { ...structuredClone(created), status: { replicas: 1, readyReplicas: 1 } };
    (withStatus.spec as any).replicas = 50;
    const status = trackUpdate({ old: created, updated: withStatus, manager: "deployment-controller", subresource: "status" });
    const entry = (status.metadata.managedFields as any[]).find((e) => e.manager === "deployment-controller");
    expect(entry.fieldsV1).toEqual({ "f:status": { "f:readyReplicas": {}, "f:replicas": {} } });
    expect((status.metadata.managedFields as any[]).find((e) => e.manager === "a").fieldsV1["f:spec"]).toHaveProperty("f:replicas");
  });
});
