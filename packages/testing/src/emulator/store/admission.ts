/**
 * What the store asks of the semantics library on every write: API defaulting, validation (with the
 * request's fieldValidation mode) and managedFields tracking. One interface, so each concern is
 * called from exactly one place; `semantics-admission.ts` implements it.
 */

import type { ResourceInfo } from "../discovery/resources.js";
import type { KubeObject } from "./types.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** What the body came from: decode error wording differs between create/update, patch and apply. */
export type WriteOperation = "create" | "update" | "patch" | "apply";

export interface Admission {
  /** Returns the object with API defaults applied (the input is not modified). */
  applyDefaults(info: ResourceInfo, obj: KubeObject): KubeObject;
  /**
   * Decodes and validates the object as the apiserver does for `mode`. Throws a Status error (400
   * strict decoding error / 422 Invalid); returns the object as stored (unknown fields pruned) and
   * the warnings to send as `Warning:` headers.
   */
  validate(info: ResourceInfo, obj: KubeObject, mode: FieldValidation, old: KubeObject | undefined, operation?: WriteOperation, subresource?: string): { object: KubeObject; warnings: string[] };
  /** managedFields after a non-apply write by `manager`. */
  trackUpdate(info: ResourceInfo, old: KubeObject | undefined, updated: KubeObject, manager: string, subresource: string | undefined): KubeObject;
  /** A CRD started or stopped serving `info`: (un)register its schema. */
  customResourceChanged(info: ResourceInfo, served: boolean): void;
}
