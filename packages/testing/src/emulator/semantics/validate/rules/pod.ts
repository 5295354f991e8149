/** The parts of `ValidatePodSpec` that matter to emulator users, with the apiserver's messages. */

import { isObject, type JsonObject } from "../../json.js";
import { duplicate, invalid, notFound, notSupported, required, type FieldError } from "../field-error.js";
import { isDNS1123Label, isDNS1123Subdomain } from "../names.js";
import { validateLabels, validateAnnotations } from "./meta.js";

const asList = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

function validatePorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  asList(ports).forEach((port, i) => {
    const p = `${field}[${i}]`;
    const cp = port.containerPort;
    if (cp === undefined || cp === 0) errs.push(required(`${p}.containerPort`));
    else if (typeof cp === "number" && (cp < 1 || cp > 65535)) errs.push(invalid(`${p}.containerPort`, cp, "must be between 1 and 65535, inclusive"));
    if (port.protocol !== undefined && !["SCTP", "TCP", "UDP"].includes(String(port.protocol))) {
      errs.push(notSupported(`${p}.protocol`, port.protocol, ["SCTP", "TCP", "UDP"]));
    }
  });
  return errs;
}

function validateContainers(containers: unknown, field: string, volumes: Set<string>, forPod: boolean, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  asList(containers).forEach((c, i) => {
    const p = `${field}[${i}]`;
    const name = typeof c.name === "string" ? c.name : "";
    if (!name) errs.push(required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(invalid(`${p}.name`, name, msg));
      if (seen.has(name)) errs.push(duplicate(`${p}.name`, name));
      seen.add(name);
    }
    // Image is only required on Pods: templates may be completed by admission (validateContainersOnlyForPod).
    if (forPod && (typeof c.image !== "string" || c.image.length === 0)) errs.push(required(`${p}.image`));
    if (c.imagePullPolicy !== undefined && !["Always", "IfNotPresent", "Never"].includes(String(c.imagePullPolicy))) {
      errs.push(notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ["Always", "IfNotPresent", "Never"]));
    }
    errs.push(...validatePorts(c.ports, `${p}.ports`));
    asList(c.env).forEach((e, j) => {
      if (typeof e.name !== "string" || e.name.length === 0) errs.push(required(`${p}.env[${j}].name`));
    });
    asList(c.volumeMounts).forEach((m, j) => {
      const mp = `${p}.volumeMounts[${j}]`;
      if (typeof m.name !== "string" || m.name.length === 0) errs.push(required(`${mp}.name`));
      else if (!volumes.has(m.name)) errs.push(notFound(`${mp}.name`, m.name));
      if (typeof m.mountPath !== "string" || m.mountPath.length === 0) errs.push(required(`${mp}.mountPath`));
    });
  });
  return errs;
}

export function validatePodSpec(spec: unknown, field: string, forPod: boolean): FieldError[] {
  const s: JsonObject = isObject(spec) ? spec : {};
  const errs: FieldError[] = [];
  const volumes = new Set<string>();
  asList(s.volumes).forEach((v, i) => {
    const name = typeof v.name === "string" ? v.name : "";
    if (!name) errs.push(required(`${field}.volumes[${i}].name`));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(invalid(`${field}.volumes[${i}].name`, name, msg));
      if (volumes.has(name)) errs.push(duplicate(`${field}.volumes[${i}].name`, name));
      volumes.add(name);
    }
  });
  const names = new Set<string>();
  errs.push(...validateContainers(s.initContainers, `${field}.initContainers`, volumes, forPod, names));
  if (asList(s.containers).length === 0) errs.push(required(`${field}.containers`));
  else errs.push(...validateContainers(s.containers, `${field}.containers`, volumes, forPod, names));
  if (s.restartPolicy !== undefined && !["Always", "OnFailure", "Never"].includes(String(s.restartPolicy))) {
    errs.push(notSupported(`${field}.restartPolicy`, s.restartPolicy, ["Always", "OnFailure", "Never"]));
  }
  if (s.dnsPolicy !== undefined && !["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"].includes(String(s.dnsPolicy))) {
    errs.push(notSupported(`${field}.dnsPolicy`, s.dnsPolicy, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]));
  }
  if (typeof s.terminationGracePeriodSeconds === "number" && s.terminationGracePeriodSeconds < 0) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, "must be greater than or equal to 0"));
  }
  if (typeof s.serviceAccountName === "string" && s.serviceAccountName) {
    for (const msg of isDNS1123Subdomain(s.serviceAccountName)) errs.push(invalid(`${field}.serviceAccountName`, s.serviceAccountName, msg));
  }
  return errs;
}

/** `ValidatePodTemplateSpec`: template labels/annotations and the pod spec. */
export function validatePodTemplate(template: unknown, field: string): FieldError[] {
  const t: JsonObject = isObject(template) ? template : {};
  const meta: JsonObject = isObject(t.metadata) ? t.metadata : {};
  return [
    ...validateLabels(meta.labels, `${field}.metadata.labels`),
    ...validateAnnotations(meta.annotations, `${field}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${field}.spec`, false),
  ];
}
