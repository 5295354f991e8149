import { describe, expect, it } from "vitest";
import { aggregatedDiscovery, apiResourceList, negotiateAggregated } from "./documents.js";
import { ResourceRegistry } from "./resources.js";

describe("discovery", () => {
  it("answers aggregated discovery in the version the client asks for", () => {
    const v132 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    expect(negotiateAggregated(v132)).toBe("v2");
    expect(negotiateAggregated("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")).toBe("v2beta1");
    expect(negotiateAggregated("application/json, */*")).toBeUndefined();
    expect(negotiateAggregated(undefined)).toBeUndefined();
  });

  it("lists each resource before its subresources (client-node takes the first kind match)", () => {
    const list = apiResourceList(new ResourceRegistry(), "apps", "v1") as { resources: { name: string; kind: string }[] };
    const names = list.resources.map((r) => r.name);
    expect(names.indexOf("deployments")).toBeLessThan(names.indexOf("deployments/scale"));
    expect(list.resources.find((r) => r.name === "deployments/scale")?.kind).toBe("Scale");
  });

  it("puts only the core group under /api and named groups under /apis", () => {
    const reg = new ResourceRegistry();
    const core = aggregatedDiscovery(reg, true, "v2") as { apiVersion: string; items: { metadata: { name: string } }[] };
    expect(core.apiVersion).toBe("apidiscovery.k8s.io/v2");
    expect(core.items.map((i) => i.metadata.name)).toEqual([""]);
    const groups = aggregatedDiscovery(reg, false, "v2beta1") as { items: { metadata: { name: string } }[] };
    expect(groups.items.map((i) => i.metadata.name)).toEqual(["apps", "batch", "networking.k8s.io", "apiextensions.k8s.io"]);
  });
});
