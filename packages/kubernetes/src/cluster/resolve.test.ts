import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveCluster } from "./resolve.js";
import { loadClientNode } from "../client/client-node.js";

// connect() loads client-node before resolving; these tests call resolveCluster directly.
beforeAll(() => loadClientNode());

const kubeconfig = (server = "http://127.0.0.1:6443", contexts = ["dev", "prod"], current = "dev") => `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: { server: ${server}, insecure-skip-tls-verify: true }
users:
- name: u1
  user: { token: t0ken-value }
contexts:
${contexts.map((c) => `- name: ${c}\n  context: { cluster: c1, user: u1, namespace: ns-${c} }`).join("\n")}
current-context: ${current}
`;

describe("resolveCluster", () => {
  const dir = mkdtempSync(join(tmpdir(), "capstan-kc-"));
  const file = join(dir, "config.yaml");
  writeFileSync(file, kubeconfig());

  it("loads an inline kubeconfig and picks a context", () => {
    const r = resolveCluster({ kubeconfig: kubeconfig(), context: "prod" }, undefined, {});
    expect(r.kc.getCurrentContext()).toBe("prod");
    expect(r.kc.getCurrentCluster()?.server).toBe("http://127.0.0.1:6443");
    expect(r.label).toBe("inline kubeconfig (context prod)");
    expect(r.label).not.toContain("t0ken");
  });

  it("loads a file, a path given as a name, and the default from KUBECONFIG", () => {
    expect(resolveCluster({ file }, undefined, {}).kc.getCurrentContext()).toBe("dev");
    expect(resolveCluster(file, undefined, {}).kc.getCurrentContext()).toBe("dev");
    expect(resolveCluster(undefined, undefined, { KUBECONFIG: file }).kc.getCurrentContext()).toBe("dev");
    expect(resolveCluster({ context: "prod" }, undefined, { KUBECONFIG: file }).kc.getCurrentContext()).toBe("prod");
    expect(resolveCluster("prod", undefined, { KUBECONFIG: file }).label).toBe('cluster "prod"');
  });

  it("maps cluster names through the run's services, and shares equal connections", () => {
    const services = { clusters: { "tenant-a": { kubeconfig: kubeconfig("http://127.0.0.1:1111") }, "tenant-b": { kubeconfig: kubeconfig("http://127.0.0.1:2222") } } };
    const a = resolveCluster("tenant-a", services, {});
    const b = resolveCluster("tenant-b", services, {});
    expect(a.kc.getCurrentCluster()?.server).toBe("http://127.0.0.1:1111");
    expect(b.kc.getCurrentCluster()?.server).toBe("http://127.0.0.1:2222");
    expect(a.key).not.toBe(b.key);
    expect(resolveCluster("tenant-a", services, {}).key).toBe(a.key);
    expect(resolveCluster(undefined, { default: { kubeconfig: kubeconfig("http://127.0.0.1:3333") } }, {}).kc.getCurrentCluster()?.server).toBe("http://127.0.0.1:3333");
  });

  it("says which kubeconfig and context are wrong", () => {
    expect(() => resolveCluster({ kubeconfig: "clusters: [" }, undefined, {})).toThrow(/inline kubeconfig is not valid YAML/);
    expect(() => resolveCluster({ kubeconfig: "foo: bar" }, undefined, {})).toThrow(/inline kubeconfig is not a kubeconfig: it needs clusters and contexts lists/);
    expect(() => resolveCluster({ kubeconfig: kubeconfig(), context: "qa" }, undefined, {})).toThrow(/context "qa" is not in inline kubeconfig \(contexts: dev, prod\)/);
    expect(() => resolveCluster({ kubeconfig: kubeconfig(undefined, ["dev"], "gone") }, undefined, {})).toThrow(/has no current-context \("gone" is not defined\)/);
    expect(() => resolveCluster({ file: join(dir, "nope.yaml") }, undefined, {})).toThrow(/nope.yaml cannot be read \(ENOENT\)/);
    expect(() => resolveCluster("./missing/kubeconfig", undefined, {})).toThrow(/kubeconfig file .\/missing\/kubeconfig does not exist/);
    expect(() => resolveCluster("staging", { clusters: { prod: { context: "prod" } } }, { KUBECONFIG: file })).toThrow(/cluster "staging" is not a name this run maps \(it maps: prod\)/);
    expect(() => resolveCluster(undefined, undefined, { HOME: dir })).toThrow(/no cluster configured/);
    try {
      resolveCluster({ kubeconfig: kubeconfig(), context: "qa" }, undefined, {});
    } catch (e) {
      expect((e as { code: string }).code).toBe("CAPSTAN_K8S_CONFIG");
      expect(String((e as Error).message)).not.toContain("t0ken");
    }
  });
});
