/**
 * Descriptions and required fields of client-node models, read from their `.d.ts` files (the generated
 * classes keep types in `attributeTypeMap` but the doc comments and `?` markers only in the typings).
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface ModelDocs {
  description?: string;
  fields: Map<string, { description?: string; required: boolean }>;
}

let modelsDir: string | undefined;

function dir(): string {
  modelsDir ??= join(dirname(createRequire(import.meta.url).resolve("@kubernetes/client-node")), "gen", "models");
  return modelsDir;
}

function cleanComment(raw: string): string | undefined {
  const text = raw
    .split("\n")
    .map((line) => line.replace(/^\s*\*\s?/, "").replace(/\\"/g, "\"").trim())
    .filter((line) => line.length > 0)
    .join(" ")
    .trim();
  return text.length > 0 ? text : undefined;
}

const cache = new Map<string, ModelDocs>();

export function modelDocs(model: string): ModelDocs {
  const hit = cache.get(model);
  if (hit) return hit;
  const docs: ModelDocs = { fields: new Map() };
  let text = "";
  try {
    text = readFileSync(join(dir(), `${model}.d.ts`), "utf8");
  } catch {
    // Docs are optional: a model without typings still gets a schema, just undocumented.
  }
  const classAt = text.indexOf("export declare class");
  if (classAt >= 0) {
    const before = text.slice(0, classAt);
    const start = before.lastIndexOf("/**");
    if (start >= 0) {
      const description = cleanComment(before.slice(start + 3, before.lastIndexOf("*/")));
      if (description) docs.description = description;
    }
    const body = text.slice(classAt);
    const field = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\?)?:/g;
    for (const m of body.matchAll(field)) {
      const name = m[2] ?? "";
      const description = m[1] === undefined ? undefined : cleanComment(m[1]);
      docs.fields.set(name, { required: m[3] !== "?", ...(description ? { description } : {}) });
    }
  }
  cache.set(model, docs);
  return docs;
}
