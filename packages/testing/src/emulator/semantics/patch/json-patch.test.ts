import { describe, expect, it } from "vitest";
import { SemanticError } from "../errors.js";
import { JsonPatchError, MAX_JSON_PATCH_OPERATIONS, jsonPatch } from "./json-patch.js";

const deployment = () => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { "app.kubernetes.io/name": "web" } }, spec: { replicas: 1, template: { spec: { containers: [{ name: "a", image: "a:1" }] } } } });

function statusOf(fn: () => unknown): ReturnType<SemanticError["toStatus"]> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SemanticError);
    return (err as SemanticError).toStatus();
  }
  throw new Error("expected a failure");
}

describe("jsonPatch (RFC 6902)", () => {
  it("applies client-node's typed patch body", () => {
    const out = jsonPatch(deployment(), [{ op: "replace", path: "/spec/replicas", value: 3 }]);
    expect(out.spec.replicas).toBe(3);
  });

  it("supports add/remove/replace/move/copy/test, '-' appends and ~1 escapes", () => {
    const out: any = jsonPatch(deployment(), [
      { op: "test", path: "/spec/replicas", value: 1 },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "b", image: "b" } },
      { op: "copy", from: "/spec/replicas", path: "/spec/minReadySeconds" },
      { op: "move", from: "/spec/minReadySeconds", path: "/spec/revisionHistoryLimit" },
      { op: "replace", path: "/metadata/labels/app.kubernetes.io~1name", value: "api" },
      { op: "remove", path: "/spec/template/spec/containers/0" },
    ]);
    expect(out.spec.template.spec.containers).toEqual([{ name: "b", image: "b" }]);
    expect(out.spec.revisionHistoryLimit).toBe(1);
    expect(out.spec).not.toHaveProperty("minReadySeconds");
    expect(out.metadata.labels).toEqual({ "app.kubernetes.io/name": "api" });
  });

  it("is atomic and does not mutate the original", () => {
    const original = deployment();
    expect(() => jsonPatch(original, [{ op: "replace", path: "/spec/replicas", value: 9 }, { op: "test", path: "/spec/replicas", value: 1 }])).toThrow(SemanticError);
    expect(original.spec.replicas).toBe(1);
  });

  it("a failing test op is 422 Invalid with the apiserver's generic message", () => {
    const status = statusOf(() => jsonPatch(deployment(), [{ op: "test", path: "/spec/replicas", value: 2 }]));
    expect(status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "the server rejected our request due to an error in our request",
      reason: "Invalid",
      code: 422,
    });
  });

  it("a path that does not exist is 422 and keeps the jsonpatch text for logs", () => {
    try {
      jsonPatch(deployment(), [{ op: "replace", path: "/spec/nope/x", value: 1 }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(JsonPatchError);
      expect((err as JsonPatchError).code).toBe(422);
      expect((err as JsonPatchError).patchError.length).toBeGreaterThan(0);
    }
  });

  it("removing a missing key is 422", () => {
    expect(statusOf(() => jsonPatch(deployment(), [{ op: "remove", path: "/spec/paused" }])).code).toBe(422);
  });

  it("an unknown op is 422", () => {
    expect(statusOf(() => jsonPatch(deployment(), [{ op: "frob", path: "/spec" }])).code).toBe(422);
  });

  it("a body that is not an array is 400 with the decoder's text", () => {
    const status = statusOf(() => jsonPatch(deployment(), { op: "add" }));
    expect(status.code).toBe(400);
    expect(status.reason).toBe("BadRequest");
    expect(status.message).toBe("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  });

  it("more than the maximum number of operations is 413", () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: "test", path: "/kind", value: "Deployment" }));
    const status = statusOf(() => jsonPatch(deployment(), ops));
    expect(status.code).toBe(413);
    expect(status.reason).toBe("RequestEntityTooLarge");
    expect(status.message).toBe("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
  });
});
