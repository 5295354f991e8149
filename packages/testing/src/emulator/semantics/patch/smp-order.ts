/**
 * Element ordering of merged lists (apimachinery strategicpatch `normalizeElementOrder`): items named in
 * the patch (or in `$setElementOrder`) follow that order, server-only items keep theirs, and the two are
 * interleaved by their positions in the server's list.
 */

import { deepEqual, isObject } from "../json.js";
import { smpErrors } from "./smp-errors.js";

export function indexIn(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  if (mergeKey) {
    if (!isObject(item)) return -1;
    return list.findIndex((l) => isObject(l) && deepEqual(l[mergeKey], item[mergeKey]));
  }
  return list.findIndex((l) => deepEqual(l, item));
}

/** Splits `merged` into items present in `order` and the rest (partitionMapsByPresentInList). */
export function partition(merged: unknown[], order: unknown[], mergeKey: string | undefined): [unknown[], unknown[]] {
  const inOrder: unknown[] = [];
  const rest: unknown[] = [];
  for (const item of merged) {
    if (mergeKey && !(isObject(item) && Object.hasOwn(item, mergeKey))) throw smpErrors.noMergeKey(item, mergeKey);
    (indexIn(order, item, mergeKey) >= 0 ? inOrder : rest).push(item);
  }
  return [inOrder, rest];
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const indexed = items.map((item, i) => ({ item, i, at: indexIn(order, item, mergeKey) }));
  indexed.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i));
  let result = indexed.map((x) => x.item);
  if (mergeKey) {
    // Items marked `$patch: delete` in the order list are dropped (extractToDeleteItems).
    const toDelete = order.filter((o) => isObject(o) && o.$patch === "delete");
    result = result.filter((item) => indexIn(toDelete, item, mergeKey) < 0);
  }
  return result;
}

/** mergeSortedSlice: interleave server-only items (left) with patch items (right). */
function mergeSorted(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && ri < li) out.push(right[j++]);
      else out.push(left[i++]);
    }
  }
  return out;
}

export function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  return mergeSorted(sortByOrder(serverOnly, serverOrder, mergeKey), sortByOrder(patchItems, patchOrder, mergeKey), serverOrder, mergeKey);
}
