import { describe, expect, it } from "vitest";
import { SchemaRegistry } from "../schema/registry.js";
import { applyDefaults } from "./defaults.js";
import { generateJobSelector } from "./kinds.js";
import { defaultPullPolicy } from "./pod.js";

const template = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }] }] } };

describe("applyDefaults", () => {
  it("Deployment: replicas, RollingUpdate 25%/25%, history 10, deadline 600, and its pod template", () => {
    const input = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "x" } }, template } };
    const d: any = applyDefaults({ group: "apps", version: "v1", kind: "Deployment" }, input);
    expect(d.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } } });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", terminationGracePeriodSeconds: 30, schedulerName: "default-scheduler", securityContext: {} });
    expect(d.spec.template.spec).not.toHaveProperty("enableServiceLinks");
    expect(d.spec.template.spec.containers[0]).toEqual({
      name: "c",
      image: "nginx",
      ports: [{ containerPort: 80, protocol: "TCP" }],
      imagePullPolicy: "Always",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      resources: {},
    });
    expect(input.spec).not.toHaveProperty("replicas");
  });

  it("Deployment: Recreate gets no rollingUpdate; explicit values are kept", () => {
    const d: any = applyDefaults({ group: "apps", version: "v1", kind: "Deployment" }, { spec: { replicas: 0, strategy: { type: "Recreate" }, template } });
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
  });

  it("StatefulSet: OrderedReady, RollingUpdate partition 0, retention Retain, PVC templates", () => {
    const s: any = applyDefaults({ group: "apps", version: "v1", kind: "StatefulSet" }, { spec: { serviceName: "db", template, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }] } });
    expect(s.spec).toMatchObject({
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      replicas: 1,
      revisionHistoryLimit: 10,
      serviceName: "db",
    });
    expect(s.spec.volumeClaimTemplates[0]).toMatchObject({ spec: { volumeMode: "Filesystem" }, status: { phase: "Pending" } });
    const onDelete: any = applyDefaults({ group: "apps", version: "v1", kind: "StatefulSet" }, { spec: { updateStrategy: { type: "OnDelete" }, template } });
    expect(onDelete.spec.updateStrategy).toEqual({ type: "OnDelete" });
  });

  it("DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0", () => {
    const d: any = applyDefaults({ group: "apps", version: "v1", kind: "DaemonSet" }, { spec: { template } });
    expect(d.spec).toMatchObject({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
  });

  it("Job: completions/parallelism 1, backoffLimit 6, NonIndexed, labels from the template", () => {
    const j: any = applyDefaults({ group: "batch", version: "v1", kind: "Job" }, { metadata: { name: "pi" }, spec: { template } });
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: "NonIndexed", suspend: false, podReplacementPolicy: "TerminatingOrFailed" });
    expect(j.metadata.labels).toEqual({ app: "x" });
    const parallel: any = applyDefaults({ group: "batch", version: "v1", kind: "Job" }, { spec: { parallelism: 3, template } });
    expect(parallel.spec.completions).toBeUndefined();
  });

  it("Job selector generation uses the uid", () => {
    const j: any = { metadata: { name: "pi", uid: "u-1" }, spec: { template: { metadata: {}, spec: {} } } };
    generateJobSelector(j);
    expect(j.spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } });
    expect(j.spec.template.metadata.labels).toMatchObject({ "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "u-1" });
  });

  it("CronJob: Allow, history limits 3/1, not suspended, template defaulted but not the Job spec", () => {
    const c: any = applyDefaults({ group: "batch", version: "v1", kind: "CronJob" }, { spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } } });
    expect(c.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(c.spec.jobTemplate.spec).not.toHaveProperty("backoffLimit");
    expect(c.spec.jobTemplate.spec.template.spec.dnsPolicy).toBe("ClusterFirst");
  });

  it("Pod: enableServiceLinks, requests from limits, probes and volume modes", () => {
    const p: any = applyDefaults(
      { group: "", version: "v1", kind: "Pod" },
      {
        spec: {
          containers: [{ name: "c", image: "r.io/app:1.2", resources: { limits: { cpu: "1" } }, readinessProbe: { httpGet: { port: 8080 } } }],
          volumes: [{ name: "cfg", configMap: { name: "x" } }, { name: "scratch" }],
        },
      },
    );
    expect(p.spec.enableServiceLinks).toBe(true);
    expect(p.spec.containers[0].imagePullPolicy).toBe("IfNotPresent");
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: "1" }, requests: { cpu: "1" } });
    expect(p.spec.containers[0].readinessProbe).toEqual({ httpGet: { port: 8080, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(p.spec.volumes).toEqual([{ name: "cfg", configMap: { name: "x", defaultMode: 420 } }, { name: "scratch", emptyDir: {} }]);
  });

  it("imagePullPolicy follows the tag", () => {
    expect(defaultPullPolicy("nginx")).toBe("Always");
    expect(defaultPullPolicy("nginx:latest")).toBe("Always");
    expect(defaultPullPolicy("localhost:5000/nginx")).toBe("Always");
    expect(defaultPullPolicy("localhost:5000/nginx:1.0")).toBe("IfNotPresent");
    expect(defaultPullPolicy("nginx@sha256:abc")).toBe("IfNotPresent");
  });

  it("Service: ClusterIP, None affinity, TCP, targetPort = port, traffic policies", () => {
    const s: any = applyDefaults({ group: "", version: "v1", kind: "Service" }, { spec: { ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }] } });
    expect(s.spec).toMatchObject({ type: "ClusterIP", sessionAffinity: "None", internalTrafficPolicy: "Cluster" });
    expect(s.spec.ports).toEqual([{ port: 80, protocol: "TCP", targetPort: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }]);
    const lb: any = applyDefaults({ group: "", version: "v1", kind: "Service" }, { spec: { type: "LoadBalancer", ports: [{ port: 80 }] } });
    expect(lb.spec).toMatchObject({ externalTrafficPolicy: "Cluster", allocateLoadBalancerNodePorts: true });
  });

  it("Secret: Opaque and stringData folded into data; Namespace: finalizer, phase and name label", () => {
    const s: any = applyDefaults({ group: "", version: "v1", kind: "Secret" }, { data: { a: "eA==" }, stringData: { b: "hello" } });
    expect(s).toEqual({ type: "Opaque", data: { a: "eA==", b: "aGVsbG8=" } });
    const ns: any = applyDefaults({ group: "", version: "v1", kind: "Namespace" }, { metadata: { name: "team" } });
    expect(ns).toEqual({ metadata: { name: "team", labels: { "kubernetes.io/metadata.name": "team" } }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
  });

  it("custom resources get their schema's defaults", () => {
    const registry = new SchemaRegistry();
    const gvk = { group: "example.com", version: "v1", kind: "Widget" };
    registry.registerCustomSchema(gvk, { type: "object", properties: { spec: { type: "object", default: {}, properties: { size: { type: "integer", default: 3 }, items: { type: "array", items: { type: "object", properties: { w: { type: "string", default: "x" } } } } } } } });
    expect(applyDefaults(gvk, { metadata: { name: "w" } }, registry)).toEqual({ metadata: { name: "w" }, spec: { size: 3 } });
    expect(applyDefaults(gvk, { spec: { size: 1, items: [{}] } }, registry)).toEqual({ spec: { size: 1, items: [{ w: "x" }] } });
  });
});
