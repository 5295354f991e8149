/** The strategic-merge-patch errors of apimachinery's `mergepatch` package, mapped as the apiserver maps them. */

import { SemanticError, badRequest, genericUnprocessable, internalUnknown } from "../errors.js";
import { goValue } from "../json.js";

export const smpErrors = {
  noMergeKey: (m: unknown, key: string): SemanticError => internalUnknown(`map: ${goValue(m)} does not contain declared merge key: ${key}`),
  badPatchType: (t: unknown, m: unknown): SemanticError => internalUnknown(`unknown patch type: ${String(t)} in map: ${goValue(m)}`),
  mergeDirectiveInList: (): SemanticError => internalUnknown("merging lists cannot yet be specified in the patch"),
  badRetainKeys: (): SemanticError => badRequest("invalid patch format of retainKeys"),
  badSetElementOrder: (): SemanticError => badRequest("invalid patch format of setElementOrder list"),
  noMergeKeyDeclared: (): SemanticError => internalUnknown("cannot merge lists without merge key"),
  noListOfLists: (): SemanticError => genericUnprocessable(),
  typesDontMatch: (): SemanticError => internalUnknown("unable to merge lists with mixed element types"),
  notAnObject: (kind: string): SemanticError => badRequest(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`),
  /** Custom resources do not accept SMP: 415 from the patch handler's content-type negotiation. */
  unsupportedForCustomResources: (): SemanticError =>
    new SemanticError(
      415,
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    ),
};
