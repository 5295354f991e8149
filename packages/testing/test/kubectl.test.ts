/** The real kubectl against mockCluster(): discovery, create, apply, get, patch, SSA conflicts, delete, wait. */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mockCluster, type MockCluster } from "../src/index.js";
import { hasKubectl, kubectlFor, type Kubectl } from "./helpers/kubectl.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: nginx:1.25
`;

describe.skipIf(!hasKubectl)("kubectl against the emulated cluster", () => {
  let cluster: MockCluster;
  let kubectl: Kubectl;

  beforeEach(async () => {
    cluster = await mockCluster({ runtime: false });
    kubectl = kubectlFor(cluster.kubeconfig);
  });
  afterEach(async () => {
    kubectl.dispose();
    await cluster.close();
  });

  it("creates a namespace (protobuf body) and lists it as a table", async () => {
    const created = await kubectl(["create", "namespace", "team-a"]);
    expect(created).toMatchObject({ code: 0, stdout: "namespace/team-a created\n" });
    expect(cluster.get({ apiVersion: "v1", kind: "Namespace", name: "team-a" })?.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "team-a" });
    expect(cluster.requests.find((r) => r.verb === "create")?.contentType).toBe("application/vnd.kubernetes.protobuf");
    const get = await kubectl(["get", "namespaces"]);
    expect(get.code).toBe(0);
    expect(get.stdout.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
    expect(get.stdout).toMatch(/team-a\s+Active\s+\d+s/);
  });

  it("applies a Deployment server-side and gets it as a table and as JSON", async () => {
    const applied = await kubectl(["apply", "--server-side", "-f", kubectl.file("web.yaml", DEPLOYMENT)]);
    expect(applied).toMatchObject({ code: 0, stdout: "deployment.apps/web serverside-applied\n" });
    const patch = cluster.requests.find((r) => r.verb === "patch");
    expect(patch).toMatchObject({ contentType: "application/apply-patch+yaml", fieldManager: "kubectl", query: { fieldValidation: "Strict", force: "false" } });
    // kubectl found fieldValidation in the OpenAPI v3 document, so it skipped client-side validation.
    expect(cluster.requests.some((r) => r.path === "/openapi/v3/apis/apps/v1")).toBe(true);

    const table = await kubectl(["get", "deployments"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(table.stdout).toMatch(/web\s+0\/2\s+0\s+0\s+\d+s/);

    const json = JSON.parse((await kubectl(["get", "deployment", "web", "-o", "json"])).stdout);
    expect(json).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default", generation: 1 } });
    // API defaults were applied.
    expect(json.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    // kubectl hides managedFields; the store has them.
    expect(json.metadata.managedFields).toBeUndefined();
    expect(cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })?.metadata.managedFields?.[0]).toMatchObject({ manager: "kubectl", operation: "Apply" });
  });

  it("patches with strategic, merge and json patches", async () => {
    cluster.apply(DEPLOYMENT);
    const smp = await kubectl(["patch", "deployment", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}']);
    expect(smp).toMatchObject({ code: 0, stdout: "deployment.apps/web patched\n" });
    const merge = await kubectl(["patch", "deployment", "web", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}']);
    expect(merge.code).toBe(0);
    const json = await kubectl(["patch", "deployment", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":5}]']);
    expect(json.code).toBe(0);
    const web = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" });
    expect(web?.metadata.labels).toEqual({ app: "web", tier: "front" });
    expect((web?.["spec"] as { replicas: number }).replicas).toBe(5);
    expect((web?.["spec"] as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]?.image).toBe("nginx:1.26");
    expect(web?.metadata.generation).toBe(3);
    const types = cluster.requests.filter((r) => r.verb === "patch").map((r) => r.contentType);
    expect(types).toEqual(["application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json"]);
    const bad = await kubectl(["patch", "deployment", "web", "--type=json", "-p", '[{"op":"test","path":"/spec/replicas","value":1}]']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("the server rejected our request due to an error in our request");
  });

  it("reports an SSA conflict with another field manager, and --force-conflicts takes the field", async () => {
    const file = kubectl.file("web.yaml", DEPLOYMENT);
    expect((await kubectl(["apply", "--server-side", "-f", file])).code).toBe(0);
    expect((await kubectl(["patch", "deployment", "web", "--type=merge", "-p", '{"spec":{"replicas":4}}'])).code).toBe(0);
    const conflict = await kubectl(["apply", "--server-side", "-f", file]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas');
    const forced = await kubectl(["apply", "--server-side", "--force-conflicts", "-f", file]);
    expect(forced).toMatchObject({ code: 0, stdout: "deployment.apps/web serverside-applied\n" });
    expect((cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" })?.["spec"] as { replicas: number }).replicas).toBe(2);
  });

  it("deletes, then reports NotFound with the apiserver's message", async () => {
    cluster.apply(DEPLOYMENT);
    const del = await kubectl(["delete", "deployment", "web"]);
    expect(del).toMatchObject({ code: 0, stdout: 'deployment.apps "web" deleted\n' });
    expect(cluster.requests.find((r) => r.verb === "delete")?.contentType).toBe("application/json");
    const missing = await kubectl(["get", "deployment", "web"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): deployments.apps "web" not found\n');
    const missingPod = await kubectl(["delete", "pod", "nope"]);
    expect(missingPod.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
  });

  it("lists api-resources from aggregated discovery", async () => {
    const res = await kubectl(["api-resources"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(res.stdout).toMatch(/pods\s+po\s+v1\s+true\s+Pod/);
    expect(res.stdout).toMatch(/customresourcedefinitions\s+crd,crds\s+apiextensions.k8s.io\/v1\s+false\s+CustomResourceDefinition/);
    const api = cluster.requests.find((r) => r.path === "/apis");
    expect(api?.accept).toContain("v=v2;as=APIGroupDiscoveryList");
  });

  it("waits for a jsonpath condition that becomes true while waiting", async () => {
    cluster.apply(DEPLOYMENT);
    const waiting = kubectl(["wait", "--for=jsonpath={.spec.replicas}=7", "deployment/web", "--timeout=15s"]);
    setTimeout(() => {
      const web = cluster.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web" });
      cluster.apply({ ...web!, spec: { ...(web!["spec"] as object), replicas: 7 } });
    }, 500);
    expect(await waiting).toMatchObject({ code: 0, stdout: "deployment.apps/web condition met\n" });
    expect(cluster.requests.some((r) => r.verb === "watch" && r.query["fieldSelector"] === "metadata.name=web")).toBe(true);
  });

  it("times out waiting when nothing changes (watch headers are flushed)", async () => {
    cluster.apply(DEPLOYMENT);
    const started = Date.now();
    const res = await kubectl(["wait", "--for=jsonpath={.spec.replicas}=9", "deployment/web", "--timeout=2s"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("timed out waiting for the condition on deployments/web");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("serves custom resources once their CRD is applied", async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, shortNames: [wd] }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: { type: object, properties: { size: { type: integer } } }
    additionalPrinterColumns:
    - { name: Size, type: integer, jsonPath: .spec.size }
`;
    expect((await kubectl(["apply", "--server-side", "-f", kubectl.file("crd.yaml", crd)])).code).toBe(0);
    const widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w1 }\nspec: { size: 3 }\n";
    const applied = await kubectl(["apply", "--server-side", "-f", kubectl.file("w.yaml", widget)]);
    expect(applied).toMatchObject({ code: 0, stdout: "widget.example.com/w1 serverside-applied\n" });
    const get = await kubectl(["get", "wd"]);
    expect(get.stdout).toMatch(/^NAME\s+SIZE\s+AGE\nw1\s+3\s+\d+s\n$/);
    const unknown = await kubectl(["apply", "--server-side", "-f", kubectl.file("bad.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w2 }\nspec: { size: 3, colour: red }\n")]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(".spec.colour: field not declared in schema");
  });

  it("serves older kubectl (1.29 asks for v2beta1 aggregated discovery)", async () => {
    const old = await mockCluster({ runtime: false, kubeVersion: "1.29" });
    const k = kubectlFor(old.kubeconfig);
    try {
      old.apply(DEPLOYMENT);
      const res = await k(["get", "deploy"]);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/web\s+0\/2/);
      expect(old.requests.find((r) => r.path === "/apis" && r.userAgent?.startsWith("kubectl/"))?.userAgent).toMatch(/^kubectl\/v1\.29\./);
    } finally {
      k.dispose();
      await old.close();
    }
  });
});

describe.skipIf(!hasKubectl)("kubectl over TLS with a bearer token", () => {
  it("authenticates with the kubeconfig's token and gets 401 with a wrong one", async () => {
    const cluster = await mockCluster({ runtime: false, tls: true, token: "s3cret" });
    const good = kubectlFor(cluster.kubeconfig);
    const bad = kubectlFor(cluster.kubeconfig.replace("s3cret", "wrong"));
    try {
      expect(cluster.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ok = await good(["get", "namespaces", "-o", "name"]);
      expect(ok).toMatchObject({ code: 0 });
      expect(ok.stdout).toContain("namespace/default");
      const denied = await bad(["get", "namespaces"]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain("error: You must be logged in to the server (the server has asked for the client to provide credentials)");
    } finally {
      good.dispose();
      bad.dispose();
      await cluster.close();
    }
  });
});
