import { describe, expect, it } from "vitest";
import { parseConcurrency } from "./serve.js";

describe("--concurrency", () => {
  it("reads per-flow limits and a default, queue by default", () => {
    expect(parseConcurrency(["deploy=1", "rotate=2:fail", "3:cancel"])).toEqual({
      limits: { deploy: { limit: 1, onLimit: "queue" }, rotate: { limit: 2, onLimit: "fail" } },
      fallback: { limit: 3, onLimit: "cancel" },
    });
    expect(parseConcurrency([])).toEqual({ limits: {} });
  });

  it("rejects what it cannot read", () => {
    for (const bad of ["deploy=0", "deploy", "deploy=1:later", "=1"]) expect(() => parseConcurrency([bad])).toThrow(/--concurrency .*: expected <flow>=<n>/);
  });
});
