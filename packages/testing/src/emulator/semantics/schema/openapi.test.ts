import { describe, expect, it } from "vitest";
import type { JsonObject } from "../json.js";
import { openapiV3Document, openapiV3Hash, openapiV3Root } from "./openapi.js";
import { SchemaRegistry, schemaFor } from "./registry.js";

/** What kubectl's query_param_verifier_v3 does with a group-version document. */
function kubectlSupportsFieldValidation(doc: any, gvk: { group: string; version: string; kind: string }): boolean {
  for (const path of Object.values<any>(doc.paths)) {
    const op = path.patch;
    const ext = op?.["x-kubernetes-group-version-kind"];
    if (!op || ext?.group !== gvk.group || ext?.version !== gvk.version || ext?.kind !== gvk.kind) continue;
    return (op.parameters ?? []).some((p: any) => p.name === "fieldValidation" && p.in === "query");
  }
  return false;
}

function danglingRefs(doc: any): string[] {
  const missing: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "$ref" && typeof x === "string" && !doc.components.schemas[x.replace("#/components/schemas/", "")]) missing.push(x);
        else visit(x);
      }
    }
  };
  visit(doc);
  return missing;
}

describe("schemaFor", () => {
  it("builds built-in schemas from client-node models with merge markers", () => {
    const d = schemaFor({ group: "apps", version: "v1", kind: "Deployment" });
    expect(d?.name).toBe("io.k8s.api.apps.v1.Deployment");
    const spec: any = d?.properties.spec;
    expect(spec.fieldStrategies).toEqual({ strategy: "retainKeys" });
    const podSpec = spec.properties.template.properties.spec;
    expect(podSpec.name).toBe("io.k8s.api.core.v1.PodSpec");
    expect(podSpec.required).toEqual(["containers"]);
    expect(podSpec.properties.containers).toMatchObject({ type: "list", listType: "map", listMapKeys: ["name"], patchStrategy: "merge", patchMergeKey: "name" });
    expect(podSpec.properties.containers.items.properties.ports).toMatchObject({ listMapKeys: ["containerPort", "protocol"], patchMergeKey: "containerPort" });
    expect(podSpec.properties.tolerations.listType).toBe("atomic");
    expect(spec.properties.selector).toMatchObject({ name: "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", structType: "atomic" });
    expect(spec.properties.replicas).toMatchObject({ type: "scalar", scalar: "integer", format: "int32" });
  });

  it("knows every kind the emulator serves, plus list kinds", () => {
    const kinds = [
      ["", "Namespace"], ["", "Pod"], ["", "Service"], ["", "ConfigMap"], ["", "Secret"], ["", "ServiceAccount"], ["", "Event"], ["", "PersistentVolumeClaim"], ["", "Node"], ["", "Status"],
      ["apps", "Deployment"], ["apps", "ReplicaSet"], ["apps", "StatefulSet"], ["apps", "DaemonSet"], ["batch", "Job"], ["batch", "CronJob"],
      ["networking.k8s.io", "Ingress"], ["apiextensions.k8s.io", "CustomResourceDefinition"], ["autoscaling", "Scale"], ["apps", "DeploymentList"],
    ];
    for (const [group, kind] of kinds) expect(schemaFor({ group: group as string, version: "v1", kind: kind as string }), kind).toBeDefined();
    expect(schemaFor({ group: "apps", version: "v1", kind: "Frob" })).toBeUndefined();
  });

  it("turns a CRD schema into a custom kind schema", () => {
    const registry = new SchemaRegistry();
    const s = registry.registerCustomSchema({ group: "example.com", version: "v1", kind: "Widget" }, {
      type: "object",
      properties: { spec: { type: "object", properties: { ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"], items: { type: "object", properties: { port: { type: "integer" } } } }, size: { "x-kubernetes-int-or-string": true } } } },
    });
    expect(Object.keys(s.properties)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect((s.properties.spec as any).properties.ports).toMatchObject({ type: "list", listType: "map", listMapKeys: ["port"] });
    expect((s.properties.spec as any).properties.size).toMatchObject({ intOrString: true });
    expect(registry.schemaFor({ group: "example.com", version: "v1", kind: "Widget" })).toBe(s);
    expect(schemaFor({ group: "example.com", version: "v1", kind: "Widget" })).toBeUndefined();
  });
});

describe("openapiV3Document", () => {
  const apps: any = openapiV3Document("apps/v1");

  it("is an OpenAPI 3.0 document whose refs all resolve", () => {
    expect(apps.openapi).toBe("3.0.0");
    expect(danglingRefs(apps)).toEqual([]);
  });

  it("satisfies kubectl's fieldValidation check for every apps/v1 kind", () => {
    for (const kind of ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"]) {
      expect(kubectlSupportsFieldValidation(apps, { group: "apps", version: "v1", kind }), kind).toBe(true);
    }
    expect(kubectlSupportsFieldValidation(apps, { group: "apps", version: "v1", kind: "Frob" })).toBe(false);
  });

  it("names components like the apiserver and marks kinds with their GVK", () => {
    const d = apps.components.schemas["io.k8s.api.apps.v1.Deployment"];
    expect(d["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    expect(apps.components.schemas["io.k8s.api.apps.v1.DeploymentList"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "DeploymentList", version: "v1" }]);
    const containers = apps.components.schemas["io.k8s.api.core.v1.PodSpec"].properties.containers;
    expect(containers).toMatchObject({ type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge" });
    expect(apps.components.schemas["io.k8s.api.apps.v1.DeploymentSpec"].properties.strategy["x-kubernetes-patch-strategy"]).toBe("retainKeys");
    expect(apps.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["x-kubernetes-map-type"]).toBe("atomic");
  });

  it("has the item, collection, status and scale paths with all verbs", () => {
    const item = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
    expect(Object.keys(item).sort()).toEqual(["delete", "get", "parameters", "patch", "put"]);
    expect(item.patch.operationId).toBe("patchAppsV1NamespacedDeployment");
    expect(Object.keys(item.patch.requestBody.content)).toContain("application/strategic-merge-patch+json");
    expect(Object.keys(apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments"]).sort()).toEqual(["delete", "get", "parameters", "post"]);
    expect(apps.paths["/apis/apps/v1/deployments"].get.operationId).toBe("listAppsV1DeploymentForAllNamespaces");
    expect(apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"].patch["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", kind: "Scale", version: "v1" });
    expect(apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"].patch.operationId).toBe("patchAppsV1NamespacedDeploymentStatus");
  });

  it("renders the core group and cluster-scoped kinds", () => {
    const core: any = openapiV3Document("v1");
    expect(core.paths["/api/v1/namespaces/{name}"].get["x-kubernetes-group-version-kind"]).toEqual({ group: "", kind: "Namespace", version: "v1" });
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}"].patch.parameters.map((p: JsonObject) => p.name)).toEqual(["dryRun", "fieldManager", "fieldValidation", "force"]);
    expect(kubectlSupportsFieldValidation(core, { group: "", version: "v1", kind: "ConfigMap" })).toBe(true);
    expect(danglingRefs(core)).toEqual([]);
  });

  it("documents custom kinds from the registry without SMP", () => {
    const registry = new SchemaRegistry();
    registry.registerCustomSchema({ group: "stable.example.com", version: "v1", kind: "CronTab" }, { type: "object", properties: { spec: { type: "object", properties: { cronSpec: { type: "string" } } } } }, { resource: "crontabs", statusSubresource: true });
    const doc: any = openapiV3Document("stable.example.com/v1", undefined, { registry });
    expect(doc.components.schemas["com.example.stable.v1.CronTab"].properties.spec.properties.cronSpec).toEqual({ type: "string" });
    const patch = doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"].patch;
    expect(Object.keys(patch.requestBody.content)).not.toContain("application/strategic-merge-patch+json");
    expect(kubectlSupportsFieldValidation(doc, { group: "stable.example.com", version: "v1", kind: "CronTab" })).toBe(true);
    expect(doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status"]).toBeDefined();
  });

  it("builds the /openapi/v3 root with content hashes", () => {
    const root: any = openapiV3Root({ "apps/v1": apps, v1: openapiV3Document("v1") });
    expect(root.paths["apis/apps/v1"].serverRelativeURL).toBe(`/openapi/v3/apis/apps/v1?hash=${openapiV3Hash(apps)}`);
    expect(root.paths["api/v1"].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  });
});
