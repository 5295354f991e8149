/**
 * Builds the pod podCreate creates: the user's metadata and spec plus labels that identify the
 * execution, flow, step and attempt (so a re-run finds its pod instead of making another), a
 * deterministic name (so a retried POST cannot create a second pod), and, when files move, a
 * shared working directory with an init container that receives the input files and a container
 * that stays up so output files can be read after the main containers end.
 */
import { createHash } from "node:crypto";
import type { V1Container, V1PodSpec, V1ResourceRequirements } from "@kubernetes/client-node";
import { CapstanError } from "@capstan/core";
import type { Jsonify } from "../../kinds.js";

export type PodSpec = Jsonify<V1PodSpec>;
export type Container = Jsonify<V1Container>;
export type ResourceRequirements = Jsonify<V1ResourceRequirements>;

export interface PodObject {
  apiVersion: "v1";
  kind: "Pod";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: PodSpec;
}

/** The directory input files land in and output files are collected from, in every container. */
export const WORKING_DIR = "/capstan/work";
/** Markers between Capstan and its file containers; not visible to the user's containers. */
export const CONTROL_DIR = "/capstan/control";
export const READY_MARKER = `${CONTROL_DIR}/ready`;
export const ENDED_MARKER = `${CONTROL_DIR}/ended`;
export const INIT_FILES = "capstan-init-files";
export const OUT_FILES = "capstan-out-files";
export const WORK_VOLUME = "capstan-work";
export const CONTROL_VOLUME = "capstan-control";
export const DEFAULT_FILE_IMAGE = "busybox:1.36";

export const LABELS = {
  execution: "capstan.io/execution",
  flow: "capstan.io/flow",
  step: "capstan.io/step",
  attempt: "capstan.io/attempt",
} as const;
/** The exact step path (labels are restricted; annotations are not). */
export const STEP_PATH_ANNOTATION = "capstan.io/step-path";

export interface StepIdentity {
  executionId: string;
  flowId: string;
  /** The step's path in the execution, e.g. `train` or `tenants[3].train`. */
  stepPath: string;
  attempt: number;
}

export interface PodBuildInput {
  namespace: string;
  metadata?: { name?: string | undefined; generateName?: string | undefined; labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined } | undefined;
  spec: PodSpec;
  hasInputFiles: boolean;
  hasOutputFiles: boolean;
  fileSidecar?: { image?: string | undefined; resources?: ResourceRequirements | undefined } | undefined;
}

const MAX_NAME = 63;

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A label value for any string: kept as is when valid, else invalid characters become `-` and a
 * short hash of the original keeps distinct inputs distinct.
 */
export function labelValue(raw: string): string {
  if (/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/.test(raw)) return raw;
  const h = hash(raw).slice(0, 8);
  const cleaned = raw
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, MAX_NAME - h.length - 1)
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/[^A-Za-z0-9]+$/, "");
  return cleaned ? `${cleaned}-${h}` : h;
}

/** The labels that identify one step attempt's pod. */
export function identityLabels(id: StepIdentity): Record<string, string> {
  return {
    [LABELS.execution]: labelValue(id.executionId),
    [LABELS.flow]: labelValue(id.flowId),
    [LABELS.step]: labelValue(id.stepPath),
    [LABELS.attempt]: String(id.attempt),
  };
}

/**
 * `<flow>-<step>-<hash>`: readable in `kubectl get pods`, and the same for the same execution,
 * step and attempt, so a create retried after a lost response finds the first pod (409).
 */
export function podName(id: StepIdentity, prefix?: string): string {
  const h = hash(`${id.executionId}\0${id.stepPath}\0${id.attempt}`).slice(0, 10);
  const base = (prefix ?? `${id.flowId}-${id.stepPath}`)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+/, "")
    .slice(0, MAX_NAME - h.length - 1)
    .replace(/-+$/, "");
  return base ? `${base}-${h}` : h;
}

export function buildPod(input: PodBuildInput, id: StepIdentity): PodObject {
  const spec = structuredClone(input.spec) as PodSpec;
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) throw invalid("spec.containers must list at least one container");
  const userContainers = [...(spec.initContainers ?? []), ...spec.containers];
  for (const c of userContainers) {
    if (c.name === INIT_FILES || c.name === OUT_FILES) throw invalid(`container name "${c.name}" is reserved for podCreate's file transfer`);
  }
  const restartPolicy = spec.restartPolicy ?? "Never";
  if (restartPolicy === "Always") {
    throw invalid('spec.restartPolicy "Always" never lets the pod finish; podCreate runs a pod to completion: use "Never" (the default) or "OnFailure"');
  }
  spec.restartPolicy = restartPolicy;

  const files = input.hasInputFiles || input.hasOutputFiles;
  if (files) {
    for (const c of userContainers) {
      if (c.volumeMounts?.some((m) => m.mountPath === WORKING_DIR || m.mountPath === CONTROL_DIR)) throw invalid(`container "${c.name}" mounts ${WORKING_DIR}, where podCreate puts its files`);
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: WORK_VOLUME, mountPath: WORKING_DIR }];
      c.env = [...(c.env ?? []).filter((e) => e.name !== "CAPSTAN_WORKING_DIR"), { name: "CAPSTAN_WORKING_DIR", value: WORKING_DIR }];
    }
    const taken = new Set((spec.volumes ?? []).map((v) => v.name));
    for (const v of [WORK_VOLUME, CONTROL_VOLUME]) if (taken.has(v)) throw invalid(`volume name "${v}" is reserved for podCreate's file transfer`);
    spec.volumes = [...(spec.volumes ?? []), { name: WORK_VOLUME, emptyDir: {} }, { name: CONTROL_VOLUME, emptyDir: {} }];
  }
  const image = input.fileSidecar?.image ?? DEFAULT_FILE_IMAGE;
  const fileContainer = (name: string, marker: string): Container => ({
    name,
    image,
    // Waits for Capstan's marker; `trap` so deleting the pod does not wait out the grace period.
    command: ["sh", "-c", `trap 'exit 0' TERM; while [ ! -f ${marker} ]; do sleep 0.5; done`],
    volumeMounts: [
      { name: WORK_VOLUME, mountPath: WORKING_DIR },
      { name: CONTROL_VOLUME, mountPath: CONTROL_DIR },
    ],
    ...(input.fileSidecar?.resources ? { resources: input.fileSidecar.resources } : {}),
  });
  // First, so the user's own init containers already see the input files.
  if (input.hasInputFiles) spec.initContainers = [fileContainer(INIT_FILES, READY_MARKER), ...(spec.initContainers ?? [])];
  if (input.hasOutputFiles) spec.containers = [...spec.containers, fileContainer(OUT_FILES, ENDED_MARKER)];

  const meta = input.metadata ?? {};
  const name = meta.name ?? (meta.generateName ? podName(id, meta.generateName) : podName(id));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: input.namespace,
      labels: { ...meta.labels, ...identityLabels(id) },
      annotations: { ...meta.annotations, [STEP_PATH_ANNOTATION]: id.stepPath },
    },
    spec,
  };
}

/** Names of the containers the user asked for (not podCreate's file containers), init first. */
export function userContainerNames(spec: PodSpec): { init: string[]; main: string[] } {
  return {
    init: (spec.initContainers ?? []).map((c) => c.name).filter((n) => n !== INIT_FILES),
    main: spec.containers.map((c) => c.name).filter((n) => n !== OUT_FILES),
  };
}

function invalid(message: string): CapstanError {
  return new CapstanError("CAPSTAN_K8S_POD_INVALID", `podCreate: ${message}`, { hint: "fix the pod spec given to podCreate", retryable: false });
}
