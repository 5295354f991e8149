import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults/defaults.js";
import { SchemaRegistry } from "../schema/registry.js";
import { validateObject } from "./validate.js";

const DEPLOY = { group: "apps", version: "v1", kind: "Deployment" };
const POD = { group: "", version: "v1", kind: "Pod" };

function deployment(over: Record<string, unknown> = {}): Record<string, any> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } } },
    ...over,
  };
}

describe("validateObject: unknown fields", () => {
  const body = applyDefaults(DEPLOY, deployment());
  body.spec.template.spec.containers[0].imagePolicy = "Always";
  body.spec.replica = 3;

  it("Strict rejects them with the decoder's wording (400)", () => {
    const r = validateObject(DEPLOY, body, "Strict");
    expect(r.error?.toStatus()).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePolicy", unknown field "spec.replica"',
    });
    expect(r.errors.map((e) => e.message)).toEqual(['unknown field "spec.template.spec.containers[0].imagePolicy"', 'unknown field "spec.replica"']);
  });

  it("Strict on a patch omits the create prefix", () => {
    expect(validateObject(DEPLOY, body, "Strict", { operation: "patch" }).error?.message).toBe(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagePolicy", unknown field "spec.replica"',
    );
  });

  it("Strict on an apply uses structured-merge-diff's wording", () => {
    const one = deployment();
    one.spec.replica = 3;
    expect(validateObject(DEPLOY, one, "Strict", { operation: "apply" }).error?.message).toBe(
      "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema",
    );
  });

  it("Warn passes with warnings and prunes the fields", () => {
    const r = validateObject(DEPLOY, body, "Warn");
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual(['unknown field "spec.template.spec.containers[0].imagePolicy"', 'unknown field "spec.replica"']);
    expect(r.object.spec).not.toHaveProperty("replica");
    expect((r.object as any).spec.template.spec.containers[0]).not.toHaveProperty("imagePolicy");
    expect((r.object as any).spec.template.spec.containers[0].image).toBe("nginx:1.25");
  });

  it("Ignore drops them silently", () => {
    const r = validateObject(DEPLOY, body, "Ignore");
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual([]);
    expect(r.object.spec).not.toHaveProperty("replica");
  });

  it("accepts every field a real kubectl manifest uses", () => {
    const r = validateObject(DEPLOY, applyDefaults(DEPLOY, deployment()), "Strict");
    expect(r.errors).toEqual([]);
  });
});

describe("validateObject: type mismatches", () => {
  it("reports Go's json error for built-ins, whatever the mode", () => {
    const body = deployment();
    body.spec.replicas = "3";
    const r = validateObject(DEPLOY, body, "Ignore");
    expect(r.error?.toStatus()).toMatchObject({
      code: 400,
      message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    });
  });

  it("names the innermost struct and the full path without indexes", () => {
    const body = deployment();
    body.spec.template.spec.containers[0].ports = [{ containerPort: "80" }];
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toContain(
      "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
    );
  });

  it("accepts numbers and strings for quantities and int-or-string", () => {
    const body = applyDefaults(DEPLOY, deployment());
    body.spec.template.spec.containers[0].resources = { limits: { cpu: 1, memory: "128Mi" } };
    body.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "10%" } };
    expect(validateObject(DEPLOY, body, "Strict").errors).toEqual([]);
  });

  it("rejects malformed quantities and bad base64 in Secret data", () => {
    const body = deployment();
    body.spec.template.spec.containers[0].resources = { limits: { cpu: "lots" } };
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toContain("quantities must match the regular expression");
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "not base64!" } };
    expect(validateObject({ group: "", version: "v1", kind: "Secret" }, secret, "Strict").error?.message).toBe(
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
  });
});

describe("validateObject: apiserver validation (422)", () => {
  it("template labels must match the selector", () => {
    const body = applyDefaults(DEPLOY, deployment());
    body.spec.template.metadata.labels = { app: "other" };
    const status = validateObject(DEPLOY, body, "Strict").error?.toStatus();
    expect(status).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
      reason: "Invalid",
      details: {
        name: "web",
        group: "apps",
        kind: "Deployment",
        causes: [{ reason: "FieldValueInvalid", message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`', field: "spec.template.metadata.labels" }],
      },
      code: 422,
    });
  });

  it("aggregates several errors in brackets", () => {
    const body = applyDefaults(DEPLOY, deployment());
    delete body.spec.selector;
    body.spec.replicas = -1;
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toBe(
      'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
    );
  });

  it("an empty selector is invalid for a deployment", () => {
    const body = applyDefaults(DEPLOY, deployment());
    body.spec.selector = {};
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toBe(
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    );
  });

  it("metadata.name must be a DNS-1123 subdomain", () => {
    const body = applyDefaults(DEPLOY, deployment());
    body.metadata.name = "Web_1";
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toBe(
      `Deployment.apps "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });

  it("a name or generateName is required", () => {
    const body = applyDefaults(DEPLOY, deployment({ metadata: {} }));
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toBe('Deployment.apps "" is invalid: metadata.name: Required value: name or generateName is required');
    expect(validateObject(DEPLOY, { ...body, metadata: { generateName: "web-" } }, "Strict").error).toBeUndefined();
  });

  it("Pods need containers with a name and an image", () => {
    const pod = applyDefaults(POD, { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "main" }, { image: "busybox" }] } });
    expect(validateObject(POD, pod, "Strict").error?.message).toBe('Pod "p" is invalid: [spec.containers[0].image: Required value, spec.containers[1].name: Required value]');
    const empty = applyDefaults(POD, { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} });
    expect(validateObject(POD, empty, "Strict").error?.message).toBe('Pod "p" is invalid: spec.containers: Required value');
  });

  it("pod templates do not require an image (admission may add it)", () => {
    const body = applyDefaults(DEPLOY, deployment());
    delete body.spec.template.spec.containers[0].image;
    expect(validateObject(DEPLOY, body, "Strict").error).toBeUndefined();
  });

  it("duplicate container names and unknown volume mounts are reported", () => {
    const pod = applyDefaults(POD, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "a", image: "x", volumeMounts: [{ name: "data", mountPath: "/d" }] }, { name: "a", image: "y" }] },
    });
    expect(validateObject(POD, pod, "Strict").error?.message).toBe('Pod "p" is invalid: [spec.containers[0].volumeMounts[0].name: Not found: "data", spec.containers[1].name: Duplicate value: "a"]');
  });

  it("Jobs need restartPolicy OnFailure or Never (defaulted Always is rejected)", () => {
    const JOB = { group: "batch", version: "v1", kind: "Job" };
    const job: any = applyDefaults(JOB, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi" }, spec: { template: { spec: { containers: [{ name: "pi", image: "perl" }] } } } });
    expect(validateObject(JOB, job, "Strict").error?.message).toBe('Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
    job.spec.template.spec.restartPolicy = "Never";
    expect(validateObject(JOB, job, "Strict").error).toBeUndefined();
  });

  it("Deployments need restartPolicy Always", () => {
    const body = applyDefaults(DEPLOY, deployment());
    body.spec.template.spec.restartPolicy = "Never";
    expect(validateObject(DEPLOY, body, "Strict").error?.message).toBe('Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
  });

  it("Services need ports and DNS-1035 names", () => {
    const SVC = { group: "", version: "v1", kind: "Service" };
    const svc = applyDefaults(SVC, { apiVersion: "v1", kind: "Service", metadata: { name: "1web" }, spec: { selector: { app: "web" } } });
    const msg = validateObject(SVC, svc, "Strict").error?.message ?? "";
    expect(msg).toContain(`metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character`);
    expect(msg).toContain("spec.ports: Required value");
  });

  it("CronJobs need a parseable schedule", () => {
    const CJ = { group: "batch", version: "v1", kind: "CronJob" };
    const cj = applyDefaults(CJ, {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "c" },
      spec: { schedule: "* * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "c" }] } } } } },
    });
    expect(validateObject(CJ, cj, "Strict").error?.message).toBe('CronJob.batch "c" is invalid: spec.schedule: Invalid value: "* * *": unparseable schedule: expected exactly 5 fields, found 3: "* * *"');
  });

  it("label values are checked", () => {
    const pod = applyDefaults(POD, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { app: "bad value!" } }, spec: { containers: [{ name: "a", image: "a" }] } });
    expect(validateObject(POD, pod, "Strict").error?.message).toContain(`metadata.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters`);
  });

  it("skipSemantic leaves only decoding checks", () => {
    const body = applyDefaults(DEPLOY, deployment());
    body.spec.replicas = -1;
    expect(validateObject(DEPLOY, body, "Strict", { skipSemantic: true }).error).toBeUndefined();
  });
});

describe("validateObject: custom resources", () => {
  const registry = new SchemaRegistry();
  const CRONTAB = { group: "stable.example.com", version: "v1", kind: "CronTab" };
  registry.registerCustomSchema(CRONTAB, {
    type: "object",
    properties: {
      spec: {
        type: "object",
        required: ["cronSpec"],
        properties: {
          cronSpec: { type: "string", pattern: "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$" },
          replicas: { type: "integer", minimum: 1, maximum: 10 },
          mode: { type: "string", enum: ["a", "b"] },
          extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    },
  });
  const cr = (spec: Record<string, unknown>) => ({ apiVersion: "stable.example.com/v1", kind: "CronTab", metadata: { name: "c" }, spec });

  it("checks types, enums, bounds, patterns and required fields with apiextensions' messages", () => {
    const r = validateObject(CRONTAB, cr({ cronSpec: "bad", replicas: "3", mode: "z" }), "Strict", { registry });
    expect(r.error?.code).toBe(422);
    expect(r.error?.message).toBe(
      `CronTab.stable.example.com "c" is invalid: [spec.cronSpec: Invalid value: "bad": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string", spec.mode: Unsupported value: "z": supported values: "a", "b"]`,
    );
    expect(validateObject(CRONTAB, cr({ replicas: 11 }), "Strict", { registry }).error?.message).toBe(
      'CronTab.stable.example.com "c" is invalid: [spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10, spec.cronSpec: Required value]',
    );
  });

  it("prunes unknown fields but keeps x-kubernetes-preserve-unknown-fields subtrees", () => {
    const r = validateObject(CRONTAB, cr({ cronSpec: "* * * * *", bogus: 1, extra: { anything: { goes: true } } }), "Warn", { registry });
    expect(r.error).toBeUndefined();
    expect(r.warnings).toEqual(['unknown field "spec.bogus"']);
    expect(r.object.spec).toEqual({ cronSpec: "* * * * *", extra: { anything: { goes: true } } });
  });
});
