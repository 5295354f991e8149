/**
 * The one place the server and store call the semantics library: defaulting, validation,
 * managedFields tracking, the four patch types and server-side apply. Each cluster has its own
 * SchemaRegistry, so custom resources of one cluster never leak into another.
 */

import type { ResourceInfo } from "../discovery/resources.js";
import { applyDefaults, jsonMergePatch, jsonPatch, SchemaRegistry, serverSideApply, strategicMergePatch, trackUpdate, validateObject } from "../semantics/index.js";
import type { Admission, FieldValidation, WriteOperation } from "../store/admission.js";
import { hasStatusSubresource } from "../store/prepare.js";
import type { KubeObject } from "../store/types.js";
import type { Patcher } from "./context.js";

function gvkOf(info: ResourceInfo): { group: string; version: string; kind: string } {
  return { group: info.group, version: info.version, kind: info.kind };
}

export class SemanticsAdapter implements Admission, Patcher {
  readonly schemas = new SchemaRegistry();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  // Admission --------------------------------------------------------------------------------

  applyDefaults(info: ResourceInfo, obj: KubeObject): KubeObject {
    return applyDefaults(gvkOf(info), obj, this.schemas);
  }

  validate(info: ResourceInfo, obj: KubeObject, mode: FieldValidation, old: KubeObject | undefined, operation?: WriteOperation, subresource?: string): { object: KubeObject; warnings: string[] } {
    const result = validateObject(gvkOf(info), obj, mode, {
      registry: this.schemas,
      operation: operation ?? (old ? "update" : "create"),
      skipSemantic: subresource === "status",
    });
    if (result.error) throw result.error;
    return { object: result.object as KubeObject, warnings: result.warnings };
  }

  trackUpdate(info: ResourceInfo, old: KubeObject | undefined, updated: KubeObject, manager: string, subresource: string | undefined): KubeObject {
    return trackUpdate({ old, updated, manager, operation: "Update", now: new Date(this.#now()), gvk: gvkOf(info), registry: this.schemas, ...(subresource ? { subresource } : {}) });
  }

  customResourceChanged(info: ResourceInfo, served: boolean): void {
    const gvk = gvkOf(info);
    if (!served) {
      this.schemas.unregisterCustomSchema(gvk);
      return;
    }
    this.schemas.registerCustomSchema(gvk, info.schema, {
      resource: info.resource,
      namespaced: info.namespaced,
      statusSubresource: hasStatusSubresource(info),
      scaleSubresource: info.subresources.some((s) => s.name === "scale"),
    });
  }

  // Patcher ----------------------------------------------------------------------------------

  jsonPatch(_info: ResourceInfo, original: KubeObject, ops: unknown): KubeObject {
    return jsonPatch(original, ops);
  }

  mergePatch(_info: ResourceInfo, original: KubeObject, patch: unknown): KubeObject {
    return jsonMergePatch<KubeObject>(original, patch);
  }

  strategicMergePatch(info: ResourceInfo, original: KubeObject, patch: unknown): KubeObject {
    return strategicMergePatch<KubeObject>(original, patch, gvkOf(info), { registry: this.schemas });
  }

  apply(info: ResourceInfo, live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, subresource: string | undefined): KubeObject {
    const result = serverSideApply({ live, applied, manager, force, gvk: gvkOf(info), now: new Date(this.#now()), registry: this.schemas, ...(subresource ? { subresource } : {}) });
    if (result.error) throw result.error;
    if (!result.object) throw new Error("server-side apply returned no object");
    return result.object;
  }
}
