/** Per-kind semantic validation (the apiserver's `Validate<Kind>` functions), returning field errors. */

import { isObject, type JsonObject } from "../../json.js";
import type { GroupVersionKind } from "../../gvk.js";
import type { FieldError } from "../field-error.js";
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from "../names.js";
import { validateCustomResourceDefinition, validateDataKeys, validatePersistentVolumeClaimSpec, validateServiceSpec } from "./core.js";
import { validateObjectMeta, type NameValidator } from "./meta.js";
import { validatePodSpec } from "./pod.js";
import { validateCronJobSpec, validateDaemonSetSpec, validateDeploymentSpec, validateJobSpec, validateReplicaSetSpec, validateStatefulSetSpec } from "./workloads.js";

interface KindRules {
  name: NameValidator;
  spec?: (object: JsonObject) => FieldError[];
}

const subdomain: NameValidator = isDNS1123Subdomain;

const RULES: Record<string, KindRules> = {
  "v1/Namespace": { name: isDNS1123Label },
  "v1/Pod": { name: subdomain, spec: (o) => validatePodSpec(o.spec, "spec", true) },
  "v1/Service": { name: isDNS1035Label, spec: (o) => validateServiceSpec(o.spec) },
  "v1/ConfigMap": { name: subdomain, spec: validateDataKeys },
  "v1/Secret": { name: subdomain, spec: validateDataKeys },
  "v1/ServiceAccount": { name: subdomain },
  "v1/Event": { name: subdomain },
  "v1/PersistentVolumeClaim": { name: subdomain, spec: (o) => validatePersistentVolumeClaimSpec(o.spec) },
  "v1/Node": { name: subdomain },
  "apps/v1/Deployment": { name: subdomain, spec: (o) => validateDeploymentSpec(o.spec) },
  "apps/v1/ReplicaSet": { name: subdomain, spec: (o) => validateReplicaSetSpec(o.spec) },
  "apps/v1/StatefulSet": { name: subdomain, spec: (o) => validateStatefulSetSpec(o.spec) },
  "apps/v1/DaemonSet": { name: subdomain, spec: (o) => validateDaemonSetSpec(o.spec) },
  "batch/v1/Job": { name: subdomain, spec: (o) => validateJobSpec(o.spec) },
  "batch/v1/CronJob": { name: subdomain, spec: (o) => validateCronJobSpec(o.spec) },
  "networking.k8s.io/v1/Ingress": { name: subdomain },
  "apiextensions.k8s.io/v1/CustomResourceDefinition": { name: subdomain, spec: validateCustomResourceDefinition },
};

/** Semantic validation of a (defaulted) object; custom kinds get only the ObjectMeta checks. */
export function validateKind(gvk: GroupVersionKind, object: JsonObject): FieldError[] {
  const key = `${gvk.group === "" ? "" : `${gvk.group}/`}${gvk.version}/${gvk.kind}`;
  const rules = RULES[key];
  const errs = validateObjectMeta(isObject(object.metadata) ? object.metadata : {}, rules?.name ?? subdomain);
  if (rules?.spec) errs.push(...rules.spec(object));
  return errs;
}
