/**
 * `meta.k8s.io/v1 Table` responses for `kubectl get` (Accept `...;as=Table;g=meta.k8s.io;v=v1`): the
 * built-in printers of table-columns.ts, or a CRD's additionalPrinterColumns.
 */

import type { PrinterColumn, ResourceInfo } from "../discovery/resources.js";
import type { KubeObject } from "../store/types.js";
import { age, DEFAULT_PRINTER, PRINTERS, type Column, type Printer } from "./table-columns.js";

export type IncludeObject = "None" | "Metadata" | "Object";

function printerFor(info: ResourceInfo): Printer {
  if (info.custom) return info.printerColumns && info.printerColumns.length > 0 ? crdPrinter(info.printerColumns) : DEFAULT_PRINTER;
  return PRINTERS[`${info.group}/${info.resource}`] ?? DEFAULT_PRINTER;
}

/** Evaluates the JSONPath subset CRDs use in printer columns (`.spec.x`, `.a[0].b`, `.a[?(@.k=="v")].b`). */
export function simpleJsonPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  const tokens = path.replace(/^\{|\}$/g, "").match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  for (const t of tokens) {
    if (cur === undefined || cur === null) return undefined;
    if (t.startsWith(".")) {
      cur = (cur as Record<string, unknown>)[t.slice(1)];
      continue;
    }
    const inner = t.slice(1, -1);
    if (!Array.isArray(cur)) return undefined;
    const filter = /^\?\(@\.([\w.]+)\s*==\s*["']?([^"')]*)["']?\)$/.exec(inner);
    if (filter) {
      const [, key = "", value] = filter;
      cur = cur.find((item) => String(simpleJsonPath(item, `.${key}`)) === value);
    } else if (inner === "*") {
      cur = cur[0];
    } else {
      cur = cur[Number(inner)];
    }
  }
  return cur;
}

function crdPrinter(columns: PrinterColumn[]): Printer {
  const cols: Column[] = [{ name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace.", priority: 0 }];
  for (const c of columns) cols.push({ name: c.name, type: (c.type === "date" ? "date" : c.type) as Column["type"], description: c.description ?? "", priority: c.priority ?? 0, ...(c.format ? { format: c.format } : {}) });
  const hasAge = columns.some((c) => c.jsonPath === ".metadata.creationTimestamp");
  if (!hasAge) cols.push({ name: "Age", type: "date", description: "", priority: 0 });
  return {
    columns: cols,
    cells: (obj, now) => {
      const cells = columns.map((c) => {
        const v = simpleJsonPath(obj, c.jsonPath);
        if (c.type === "date" && typeof v === "string") return v;
        return v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : v;
      });
      if (!hasAge) cells.push(age(obj, now));
      return cells;
    },
  };
}

function rowObject(obj: KubeObject, include: IncludeObject, tableApiVersion: string): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return obj;
  const meta = { ...obj.metadata };
  delete meta.managedFields;
  return { kind: "PartialObjectMetadata", apiVersion: tableApiVersion, metadata: meta };
}

export function buildTable(info: ResourceInfo, objects: KubeObject[], options: { include: IncludeObject; version: string; listMeta: Record<string, unknown>; withColumns?: boolean; now?: number }): Record<string, unknown> {
  const printer = printerFor(info);
  const now = options.now ?? Date.now();
  const apiVersion = `meta.k8s.io/${options.version}`;
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.noName ? printer.cells(obj, now) : [obj.metadata.name, ...printer.cells(obj, now)] };
    const ro = rowObject(obj, options.include, apiVersion);
    if (ro !== undefined) row["object"] = ro;
    return row;
  });
  return {
    kind: "Table",
    apiVersion,
    metadata: options.listMeta,
    columnDefinitions: options.withColumns === false ? null : printer.columns,
    rows,
  };
}
