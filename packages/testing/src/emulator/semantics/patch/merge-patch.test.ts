import { describe, expect, it } from "vitest";
import { jsonMergePatch } from "./merge-patch.js";

describe("jsonMergePatch (RFC 7386)", () => {
  // The test vectors of RFC 7386 appendix A.
  const vectors: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(vectors)("%j + %j", (original, patch, expected) => {
    expect(jsonMergePatch(original, patch)).toEqual(expected);
  });

  it("replaces lists wholesale (no merge keys) and does not mutate its input", () => {
    const original = { spec: { template: { spec: { containers: [{ name: "a", image: "a" }, { name: "b", image: "b" }] } } } };
    const out = jsonMergePatch<any>(original, { spec: { template: { spec: { containers: [{ name: "a", image: "a2" }] } } } });
    expect(out.spec.template.spec.containers).toEqual([{ name: "a", image: "a2" }]);
    expect(original.spec.template.spec.containers).toHaveLength(2);
  });
});
