import { describe, expect, it } from "vitest";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import type { KubeObject } from "./types.js";

describe("label selectors", () => {
  it("supports equality, sets and existence", () => {
    const m = parseLabelSelector("app=web,tier!=db,env in (prod, staging),team notin (x),release,!canary")!;
    expect(m({ app: "web", env: "prod", release: "1" })).toBe(true);
    expect(m({ app: "web", env: "dev", release: "1" })).toBe(false);
    expect(m({ app: "web", env: "prod", release: "1", canary: "" })).toBe(false);
    expect(m({ app: "web", env: "prod", release: "1", tier: "db" })).toBe(false);
    expect(m({ app: "web", env: "prod" })).toBe(false);
    expect(parseLabelSelector("a==b")!({ a: "b" })).toBe(true);
    expect(parseLabelSelector("")).toBeUndefined();
  });
});

describe("field selectors", () => {
  const pod: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };
  it("matches the fields the apiserver supports per resource", () => {
    expect(parseFieldSelector("pods", "status.phase=Running,spec.nodeName=n1")!.match(pod)).toBe(true);
    expect(parseFieldSelector("pods", "status.phase!=Running")!.match(pod)).toBe(false);
    expect(parseFieldSelector("pods", "metadata.name=p")).toMatchObject({ name: "p" });
  });
  it("rejects unsupported fields with the apiserver's message", () => {
    expect(() => parseFieldSelector("configmaps", "status.phase=x")).toThrow("field label not supported: status.phase");
  });
});
