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

  it("set operations keep only nodes that lead to a member", () => {
    const a = FieldSet.fromPaths([[fieldEl("spec"), fieldEl("replicas")], [fieldEl("spec"), fieldEl("paused")], [fieldEl("status"), fieldEl("phase")]]);
    const b = FieldSet.fromPaths([[fieldEl("status"), fieldEl("phase")]]);
    const diff = a.difference(b);
    expect(diff.paths()).toEqual([["f:spec", "f:paused"], ["f:spec", "f:replicas"]]);
    expect(diff.hasPrefix([fieldEl("status")])).toBe(false);
    expect(a.intersection(b).hasPrefix([fieldEl("spec")])).toBe(false);
    expect(b.union(a).toFieldsV1()).toEqual({ "f:spec": { "f:paused": {}, "f:replicas": {} }, "f:status": { "f:phase": {} } });
  });

  it("retain filters in place exactly like filter", () => {
    const keep = (p: string[]) => p[0] !== "f:status" && p.at(-1) !== "f:name";
    const build = () => FieldSet.fromFieldsV1({ ...fieldsV1, "f:status": { "f:phase": {} } });
    const kept = build().retain(keep);
    expect(kept.paths()).toEqual(build().filter(keep).paths());
    expect(kept.hasPrefix([fieldEl("status")])).toBe(false);
    expect(kept.toFieldsV1()).toEqual({
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {} } } } } },
    });
  });

  it("orders elements like FieldsV1: fields, values, keys, then indexes by number", () => {
    const set = FieldSet.fromPaths([["i:10"], ["k:{\"a\":1}"], ["i:2"], ["v:1"], ["f:z"], ["f:a"]]);
    expect(set.paths().map((p) => p[0])).toEqual(["f:a", "f:z", "v:1", 'k:{"a":1}', "i:2", "i:10"]);
  });

  it("prints paths like structured-merge-diff", () => {
    expect(pathString([fieldEl("spec"), fieldEl("template"), fieldEl("spec"), fieldEl("containers"), keyEl({ name: "nginx" }), fieldEl("image")])).toBe('.spec.template.spec.containers[name="nginx"].image');
    expect(pathString([fieldEl("ports"), keyEl({ protocol: "TCP", containerPort: 80 })])).toBe('.ports[containerPort=80,protocol="TCP"]');
    expect(pathString([fieldEl("metadata"), fieldEl("finalizers"), valueEl("a")])).toBe('.metadata.finalizers[="a"]');
    expect(keyEl({ protocol: "TCP", containerPort: 80 })).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(keyEl({ name: 'we"b' })).toBe(`k:${JSON.stringify({ name: 'we"b' })}`);
  });
});
