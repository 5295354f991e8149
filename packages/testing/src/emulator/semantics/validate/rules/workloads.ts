/** apps/v1 and batch/v1 spec validation (`ValidateDeploymentSpec`, `ValidateJobSpec`, ...). */

import { isObject, type JsonObject } from "../../json.js";
import { forbidden, goLabelSelector, goStringMap, invalid, notSupported, required, type FieldError } from "../field-error.js";
import { validatePodTemplate } from "./pod.js";

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const nonNegative = (value: unknown, field: string): FieldError[] =>
  typeof value === "number" && value < 0 ? [invalid(field, value, "must be greater than or equal to 0")] : [];

/** metav1.LabelSelector semantics (matchLabels AND matchExpressions). */
export function selectorMatches(selector: JsonObject, labels: Record<string, unknown>): boolean {
  const matchLabels = obj(selector.matchLabels);
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const expr of Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : []) {
    const key = String(expr.key);
    const values = Array.isArray(expr.values) ? expr.values.map(String) : [];
    const has = Object.hasOwn(labels, key);
    switch (expr.operator) {
      case "In":
        if (!has || !values.includes(String(labels[key]))) return false;
        break;
      case "NotIn":
        if (has && values.includes(String(labels[key]))) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function selectorIsEmpty(selector: JsonObject): boolean {
  const labels = Object.keys(obj(selector.matchLabels)).length;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return labels + exprs === 0;
}

/** `ValidatePodTemplateSpecForReplicaSet` (also used by StatefulSet and DaemonSet). */
function templateForSelector(spec: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const template = obj(spec.template);
  const labels = obj(obj(template.metadata).labels);
  if (isObject(spec.selector) && !selectorIsEmpty(spec.selector) && !selectorMatches(spec.selector, labels)) {
    errs.push(invalid(`${field}.template.metadata.labels`, goStringMap(obj(template.metadata).labels), "`selector` does not match template `labels`"));
  }
  errs.push(...validatePodTemplate(template, `${field}.template`));
  const restart = obj(template.spec).restartPolicy;
  if (restart !== "Always") errs.push(notSupported(`${field}.template.spec.restartPolicy`, restart ?? "", ["Always"]));
  if (obj(template.spec).activeDeadlineSeconds !== undefined) {
    errs.push(invalid(`${field}.template.spec.activeDeadlineSeconds`, obj(template.spec).activeDeadlineSeconds, "activeDeadlineSeconds in ReplicaSet is not Supported"));
  }
  return errs;
}

function selectorRequired(spec: JsonObject, field: string, kind: string): FieldError[] {
  if (!isObject(spec.selector)) return [required(`${field}.selector`)];
  return selectorIsEmpty(spec.selector) ? [invalid(`${field}.selector`, goLabelSelector(spec.selector), `empty selector is invalid for ${kind}`)] : [];
}

export function validateDeploymentSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs = [...nonNegative(spec.replicas, `${field}.replicas`), ...selectorRequired(spec, field, "deployment"), ...templateForSelector(spec, field)];
  const strategy = obj(spec.strategy);
  if (strategy.type !== undefined && strategy.type !== "Recreate" && strategy.type !== "RollingUpdate") {
    errs.push(notSupported(`${field}.strategy.type`, strategy.type, ["Recreate", "RollingUpdate"]));
  }
  if (strategy.type === "Recreate" && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    errs.push(forbidden(`${field}.strategy.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
  }
  errs.push(...nonNegative(spec.minReadySeconds, `${field}.minReadySeconds`), ...nonNegative(spec.revisionHistoryLimit, `${field}.revisionHistoryLimit`));
  if (typeof spec.progressDeadlineSeconds === "number") {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, `${field}.progressDeadlineSeconds`));
    const minReady = typeof spec.minReadySeconds === "number" ? spec.minReadySeconds : 0;
    if (spec.progressDeadlineSeconds <= minReady) errs.push(invalid(`${field}.progressDeadlineSeconds`, spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
  }
  return errs;
}

export function validateReplicaSetSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  return [...nonNegative(spec.replicas, `${field}.replicas`), ...nonNegative(spec.minReadySeconds, `${field}.minReadySeconds`), ...selectorRequired(spec, field, "deployment"), ...templateForSelector(spec, field)];
}

export function validateStatefulSetSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  if (spec.podManagementPolicy !== undefined && spec.podManagementPolicy !== "OrderedReady" && spec.podManagementPolicy !== "Parallel") {
    errs.push(notSupported(`${field}.podManagementPolicy`, spec.podManagementPolicy, ["OrderedReady", "Parallel"]));
  }
  const strategy = obj(spec.updateStrategy);
  if (strategy.type !== undefined && strategy.type !== "RollingUpdate" && strategy.type !== "OnDelete") {
    errs.push(notSupported(`${field}.updateStrategy.type`, strategy.type, ["OnDelete", "RollingUpdate"]));
  }
  errs.push(...nonNegative(spec.replicas, `${field}.replicas`), ...nonNegative(obj(strategy.rollingUpdate).partition, `${field}.updateStrategy.rollingUpdate.partition`));
  errs.push(...selectorRequired(spec, field, "statefulset"), ...templateForSelector(spec, field));
  return errs;
}

export function validateDaemonSetSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs = [...selectorRequired(spec, field, "daemonset"), ...templateForSelector(spec, field)];
  const strategy = obj(spec.updateStrategy);
  if (strategy.type !== undefined && strategy.type !== "RollingUpdate" && strategy.type !== "OnDelete") {
    errs.push(notSupported(`${field}.updateStrategy.type`, strategy.type, ["OnDelete", "RollingUpdate"]));
  }
  return errs;
}

export function validateJobSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs = [
    ...nonNegative(spec.parallelism, `${field}.parallelism`),
    ...nonNegative(spec.completions, `${field}.completions`),
    ...nonNegative(spec.backoffLimit, `${field}.backoffLimit`),
  ];
  if (typeof spec.activeDeadlineSeconds === "number" && spec.activeDeadlineSeconds <= 0) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, "must be greater than 0"));
  }
  if (spec.completionMode !== undefined && spec.completionMode !== "NonIndexed" && spec.completionMode !== "Indexed") {
    errs.push(notSupported(`${field}.completionMode`, spec.completionMode, ["NonIndexed", "Indexed"]));
  }
  if (spec.completionMode === "Indexed" && spec.completions === undefined) {
    errs.push(required(`${field}.completions`, "when completion mode is Indexed"));
  }
  const template = obj(spec.template);
  if (spec.manualSelector === true) errs.push(...selectorRequired(spec, field, "job"));
  errs.push(...validatePodTemplate(template, `${field}.template`));
  const restart = obj(template.spec).restartPolicy;
  if (restart !== "OnFailure" && restart !== "Never") errs.push(notSupported(`${field}.template.spec.restartPolicy`, restart ?? "", ["OnFailure", "Never"]));
  return errs;
}

const CRON_FIELD = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;

export function validateCronJobSpec(specIn: unknown, field = "spec"): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const schedule = typeof spec.schedule === "string" ? spec.schedule.trim() : "";
  if (!schedule) errs.push(required(`${field}.schedule`));
  else if (!schedule.startsWith("@")) {
    const parts = schedule.replace(/^(CRON_)?TZ=\S+\s+/, "").split(/\s+/);
    if (parts.length !== 5) {
      errs.push(invalid(`${field}.schedule`, spec.schedule, `unparseable schedule: expected exactly 5 fields, found ${parts.length}: ${JSON.stringify(schedule)}`));
    } else if (!parts.every((p) => CRON_FIELD.test(p))) {
      errs.push(invalid(`${field}.schedule`, spec.schedule, "unparseable schedule"));
    }
  }
  if (spec.concurrencyPolicy !== undefined && !["Allow", "Forbid", "Replace"].includes(String(spec.concurrencyPolicy))) {
    errs.push(notSupported(`${field}.concurrencyPolicy`, spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"]));
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, `${field}.startingDeadlineSeconds`));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, `${field}.successfulJobsHistoryLimit`));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, `${field}.failedJobsHistoryLimit`));
  errs.push(...validateJobSpec(obj(obj(spec.jobTemplate).spec), `${field}.jobTemplate.spec`));
  return errs;
}
