import { describe, expect, it } from "vitest";
import { deepClone } from "./json.js";

describe("deepClone", () => {
  it("copies JSON values as structuredClone does", () => {
    const value = { a: [1, { b: null }], c: { d: undefined, e: "x" }, f: true };
    const copy = deepClone(value);
    expect(copy).toStrictEqual(structuredClone(value));
    expect(copy.a).not.toBe(value.a);
    expect(copy.a[1]).not.toBe(value.a[1]);
    expect(Object.hasOwn(copy.c, "d")).toBe(true);
  });

  it("keeps a parsed __proto__ key as data, and copies other objects with structuredClone", () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const copy = deepClone(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["__proto__"]);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    const date = new Date(0);
    expect(deepClone({ date }).date).toStrictEqual(date);
    expect(() => deepClone({ f: () => 1 })).toThrow(/could not be cloned/);
  });
});
