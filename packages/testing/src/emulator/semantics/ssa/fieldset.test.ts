import { describe, expect, it } from "vitest";
import { FieldSet, fieldEl, keyEl, pathString, valueEl } from "./fieldset.js";

describe("FieldSet", () => {
  const fieldsV1 = {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } } } } },
  };

  it("round-trips FieldsV1", () => {
    expect(FieldSet.fromFieldsV1(fieldsV1).toFieldsV1()).toEqual(fieldsV1);
  });

  it("supports set algebra on member paths", () => {
    const a = FieldSet.fromFieldsV1(fieldsV1);
    const b = FieldSet.fromPaths([[fieldEl("metadata"), fieldEl("labels"), fieldEl("app")], [fieldEl("spec"), fieldEl("replicas")]]);
    expect(a.intersection(b).paths()).toEqual([["f:metadata", "f:labels", "f:app"]]);
    expect(b.difference(a).toFieldsV1()).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(a.union(b).has([fieldEl("spec"), fieldEl("replicas")])).toBe(true);
    expect(a.hasPrefix([fieldEl("spec"), fieldEl("template")])).toBe(true);
    expect(a.has([fieldEl("spec"), fieldEl("template")])).toBe(false);
    expect(new FieldSet().isEmpty()).toBe(true);
  });

  it("prints paths like structured-merge-diff", () => {
    expect(pathString([fieldEl("spec"), fieldEl("template"), fieldEl("spec"), fieldEl("containers"), keyEl({ name: "nginx" }), fieldEl("image")])).toBe('.spec.template.spec.containers[name="nginx"].image');
    expect(pathString([fieldEl("ports"), keyEl({ protocol: "TCP", containerPort: 80 })])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathString([fieldEl("metadata"), fieldEl("finalizers"), valueEl("a")])).toBe('.metadata.finalizers[="a"]');
    expect(keyEl({ protocol: "TCP", containerPort: 80 })).toBe('k:{"containerPort":80,"protocol":"TCP"}');
  });
});
