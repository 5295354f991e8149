import { beforeAll, describe, expect, it } from "vitest";
import { parseManifest } from "./objects.js";
import { loadClientNode } from "./client/client-node.js";

// Tasks load the YAML parser before parsing; this test calls parseManifest directly.
beforeAll(() => loadClientNode());

describe("parseManifest", () => {
  it("reads multi-document YAML, objects, arrays and Lists", () => {
    const yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# comment only\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";
    expect(parseManifest(yaml).map((o) => o.kind)).toEqual(["Namespace", "Deployment"]);
    expect(parseManifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })).toHaveLength(1);
    expect(parseManifest({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }] } as never)).toHaveLength(1);
  });

  it("names the broken document and what is missing", () => {
    expect(() => parseManifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: [oops\n")).toThrow(/manifest document 2 is not valid YAML/);
    expect(() => parseManifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: Secret\nmetadata: {}\n")).toThrow("manifest document 2 (Secret) is missing apiVersion, metadata.name");
    expect(() => parseManifest([{ kind: "Pod" }] as never)).toThrow("manifest[0] (Pod) is missing apiVersion, metadata.name");
    expect(() => parseManifest("# nothing\n")).toThrow("manifest holds no objects");
    expect(() => parseManifest("- a\n- b\n")).toThrow("manifest is not an object (got a list)");
  });
});
