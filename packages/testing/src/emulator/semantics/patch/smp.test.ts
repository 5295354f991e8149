import { describe, expect, it } from "vitest";
import { SemanticError } from "../errors.js";
import { strategicMergePatch } from "./smp.js";

const DEPLOY = { group: "apps", version: "v1", kind: "Deployment" };
const POD = { group: "", version: "v1", kind: "Pod" };

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers, ...extra } } },
  };
}

const containersOf = (d: any): any[] => d.spec.template.spec.containers;

describe("strategicMergePatch: merge keys", () => {
  it("merges containers by name and appends new ones (upstream doc example)", () => {
    const original = deployment([{ name: "nginx", image: "nginx-1.0" }]);
    const patch = { spec: { template: { spec: { containers: [{ name: "log-tailer", image: "log-tailer-1.0" }] } } } };
    expect(containersOf(strategicMergePatch(original, patch, DEPLOY))).toEqual([
      { name: "nginx", image: "nginx-1.0" },
      { name: "log-tailer", image: "log-tailer-1.0" },
    ]);
  });

  it("updates a container in place by its merge key", () => {
    const original = deployment([{ name: "a", image: "a:1", args: ["x"] }, { name: "b", image: "b:1" }]);
    const patch = { spec: { template: { spec: { containers: [{ name: "a", image: "a:2" }] } } } };
    expect(containersOf(strategicMergePatch(original, patch, DEPLOY))).toEqual([{ name: "a", image: "a:2", args: ["x"] }, { name: "b", image: "b:1" }]);
  });

  it("merges ports by containerPort, env by name, volumeMounts by mountPath", () => {
    const original = deployment([
      { name: "app", image: "app", ports: [{ containerPort: 80, name: "http" }], env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], volumeMounts: [{ name: "d", mountPath: "/d" }] },
    ]);
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [{ name: "app", ports: [{ containerPort: 80, name: "web" }, { containerPort: 443 }], env: [{ name: "B", value: "3" }], volumeMounts: [{ mountPath: "/d", readOnly: true }] }],
          },
        },
      },
    };
    const [c] = containersOf(strategicMergePatch(original, patch, DEPLOY));
    expect(c.ports).toEqual([{ containerPort: 80, name: "web" }, { containerPort: 443 }]);
    expect(c.env).toEqual([{ name: "A", value: "1" }, { name: "B", value: "3" }]);
    expect(c.volumeMounts).toEqual([{ name: "d", mountPath: "/d", readOnly: true }]);
  });

  it("replaces lists that have no merge strategy (command, args, tolerations)", () => {
    const original = deployment([{ name: "a", image: "a", args: ["1", "2"] }], { tolerations: [{ key: "x", operator: "Exists" }] });
    const patch = { spec: { template: { spec: { containers: [{ name: "a", args: ["3"] }], tolerations: [{ key: "y", operator: "Exists" }] } } } };
    const out: any = strategicMergePatch(original, patch, DEPLOY);
    expect(containersOf(out)[0].args).toEqual(["3"]);
    expect(out.spec.template.spec.tolerations).toEqual([{ key: "y", operator: "Exists" }]);
  });

  it("merges primitive lists with patchStrategy merge as sets (finalizers)", () => {
    const original = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", finalizers: ["a", "b"] } };
    const out: any = strategicMergePatch(original, { metadata: { finalizers: ["b", "c"] } }, POD);
    expect(out.metadata.finalizers).toEqual(["a", "b", "c"]);
  });

  it("merges maps recursively and null deletes a key", () => {
    const original = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "1", b: "2" } } };
    const out: any = strategicMergePatch(original, { metadata: { labels: { a: null, c: "3" } } }, POD);
    expect(out.metadata.labels).toEqual({ b: "2", c: "3" });
  });

  it("applies kubectl rollout restart's body", () => {
    const original = deployment([{ name: "a", image: "a" }]);
    const patch = { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-26T23:23:27Z" } } } } };
    const out: any = strategicMergePatch(original, patch, DEPLOY);
    expect(out.spec.template.metadata).toEqual({ labels: { app: "web" }, annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-26T23:23:27Z" } });
    expect(original.spec).not.toHaveProperty("template.metadata.annotations");
  });
});

describe("strategicMergePatch: directives", () => {
  it("$patch: replace in a list replaces the whole list (upstream doc)", () => {
    const original = deployment([{ name: "nginx", image: "nginx-1.0" }, { name: "log-tailer", image: "log-tailer-1.0" }]);
    const patch = { spec: { template: { spec: { containers: [{ name: "nginx", image: "nginx-1.1" }, { $patch: "replace" }] } } } };
    expect(containersOf(strategicMergePatch(original, patch, DEPLOY))).toEqual([{ name: "nginx", image: "nginx-1.1" }]);
  });

  it("$patch: replace in a map replaces the map", () => {
    const original = deployment([{ name: "a", image: "a" }]);
    (original as any).spec.template.spec.nodeSelector = { disk: "ssd", zone: "a" };
    const patch = { spec: { template: { spec: { nodeSelector: { zone: "b", $patch: "replace" } } } } };
    expect((strategicMergePatch(original, patch, DEPLOY) as any).spec.template.spec.nodeSelector).toEqual({ zone: "b" });
  });

  it("$patch: delete removes list items by merge key", () => {
    const original = deployment([{ name: "a", image: "a" }, { name: "b", image: "b" }]);
    const patch = { spec: { template: { spec: { containers: [{ name: "a", $patch: "delete" }] } } } };
    expect(containersOf(strategicMergePatch(original, patch, DEPLOY))).toEqual([{ name: "b", image: "b" }]);
  });

  it("$patch: delete on a map removes it", () => {
    const original = deployment([{ name: "a", image: "a" }], { securityContext: { runAsUser: 1 } });
    const patch = { spec: { template: { spec: { securityContext: { $patch: "delete" } } } } };
    expect((strategicMergePatch(original, patch, DEPLOY) as any).spec.template.spec).not.toHaveProperty("securityContext");
  });

  it("$deleteFromPrimitiveList removes values from a merged primitive list", () => {
    const original = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", finalizers: ["a", "b", "c"] } };
    const out: any = strategicMergePatch(original, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } }, POD);
    expect(out.metadata.finalizers).toEqual(["a", "c"]);
  });

  it("$setElementOrder reorders a merged list (kubectl apply's patches)", () => {
    const original = deployment([{ name: "a", image: "a" }, { name: "b", image: "b" }, { name: "c", image: "c" }]);
    const patch = {
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "a" }, { name: "b" }], containers: [{ name: "a", image: "a2" }] } } },
    };
    const out = strategicMergePatch(original, patch, DEPLOY);
    expect(containersOf(out).map((c) => `${c.name}=${c.image}`)).toEqual(["c=c", "a=a2", "b=b"]);
    expect(out).not.toHaveProperty("spec.template.spec.$setElementOrder/containers");
  });

  it("$setElementOrder that contradicts the patch order is a 400", () => {
    const original = deployment([{ name: "a", image: "a" }]);
    const patch = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "a" }], containers: [{ name: "z", image: "z" }] } } } };
    try {
      strategicMergePatch(original, patch, DEPLOY);
      expect.unreachable();
    } catch (err) {
      expect((err as SemanticError).toStatus()).toMatchObject({ code: 400, reason: "BadRequest", message: "invalid patch format of setElementOrder list" });
    }
  });

  it("$retainKeys clears keys not listed (switching the Deployment strategy to Recreate)", () => {
    const original = deployment([{ name: "a", image: "a" }]);
    (original as any).spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } };
    const patch = { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } };
    expect((strategicMergePatch(original, patch, DEPLOY) as any).spec.strategy).toEqual({ type: "Recreate" });
  });

  it("$retainKeys that omits a patched key is a 400", () => {
    const original = deployment([]);
    (original as any).spec.strategy = { type: "RollingUpdate" };
    const patch = { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: {} } } };
    expect(() => strategicMergePatch(original, patch, DEPLOY)).toThrow("invalid patch format of retainKeys");
  });

  it("volumes merge by name and keep retainKeys semantics per volume", () => {
    const original = deployment([{ name: "a", image: "a" }], { volumes: [{ name: "v", emptyDir: {} }] });
    const patch = { spec: { template: { spec: { volumes: [{ name: "v", $retainKeys: ["name", "configMap"], configMap: { name: "cm" } }] } } } };
    expect((strategicMergePatch(original, patch, DEPLOY) as any).spec.template.spec.volumes).toEqual([{ name: "v", configMap: { name: "cm" } }]);
  });
});

describe("strategicMergePatch: errors", () => {
  it("an item without its merge key fails like the apiserver (500, reason unknown)", () => {
    const patch = { spec: { template: { spec: { containers: [{ image: "nginx" }] } } } };
    try {
      strategicMergePatch(deployment([{ name: "a", image: "a" }]), patch, DEPLOY);
      expect.unreachable();
    } catch (err) {
      const status = (err as SemanticError).toStatus();
      expect(status.code).toBe(500);
      expect(status.reason).toBe("");
      expect(status.message).toBe("map: map[image:nginx] does not contain declared merge key: name");
    }
  });

  it("unknown $patch values in maps are rejected", () => {
    expect(() => strategicMergePatch(deployment([]), { spec: { $patch: "frobnicate" } }, DEPLOY)).toThrow(/unknown patch type: frobnicate in map/);
  });

  it("custom resources get 415 UnsupportedMediaType", () => {
    try {
      strategicMergePatch({ spec: {} }, { spec: { a: 1 } }, { group: "stable.example.com", version: "v1", kind: "CronTab" });
      expect.unreachable();
    } catch (err) {
      expect((err as SemanticError).toStatus()).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message:
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        reason: "UnsupportedMediaType",
        code: 415,
      });
    }
  });

  it("a non-object patch is a 400", () => {
    expect(() => strategicMergePatch({}, [1], POD)).toThrow("json: cannot unmarshal array into Go value of type map[string]interface {}");
  });
});
