/** Loads flows for `capstan serve`: every exported flow of the given files, or of the .ts/.js files under given directories. */
import { readdir, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CapstanError, FlowBuilder, type AnyFlow } from "@capstan/core";

export interface LoadedFlow {
  readonly flow: AnyFlow;
  /** Absolute path of the file it came from (recorded so `capstan resume` can load it). */
  readonly file?: string;
}

const SOURCE = new Set([".ts", ".mts", ".js", ".mjs"]);

export async function loadFlows(paths: readonly string[]): Promise<LoadedFlow[]> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    const s = await stat(abs).catch(() => undefined);
    if (!s) throw new CapstanError("CAPSTAN_USAGE", `${p} does not exist`, { hint: "pass flow files or directories that contain them", retryable: false });
    if (s.isDirectory()) files.push(...(await sourcesUnder(abs)));
    else files.push(abs);
  }
  const out: LoadedFlow[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new CapstanError("CAPSTAN_USAGE", `cannot load ${file}: ${(e as Error).message.split("\n")[0]}`, { cause: e, retryable: false });
    }
    for (const value of new Set(Object.values(mod))) {
      if (!(value instanceof FlowBuilder) || value._root === undefined) continue;
      const flow = value as AnyFlow;
      const other = seen.get(flow.id);
      if (other !== undefined) {
        throw new CapstanError("CAPSTAN_FLOW_INVALID", `two flows have the id "${flow.id}" (${other} and ${file})`, { hint: "flow ids name executions and triggers: make them unique", retryable: false });
      }
      seen.set(flow.id, file);
      out.push({ flow, file });
    }
  }
  return out;
}

async function sourcesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourcesUnder(path)));
    else if (SOURCE.has(extname(entry.name)) && !/\.(test|spec|d)\.[mc]?[jt]s$/.test(entry.name)) out.push(path);
  }
  return out;
}
