/** Loads a flow file (TypeScript through tsx) and picks the flow to act on. */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CapstanError, FlowBuilder, type AnyFlow } from "@capstan/core";

export async function loadFlow(file: string, exportName?: string): Promise<AnyFlow> {
  const path = resolve(file);
  try {
    await stat(path);
  } catch {
    throw new CapstanError("CAPSTAN_USAGE", `flow file ${file} does not exist`, { hint: "pass the path of a .ts file that exports a flow", retryable: false });
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof CapstanError) throw e;
    throw new CapstanError("CAPSTAN_USAGE", `cannot load ${file}: ${(e as Error).message.split("\n")[0]}`, { hint: "fix the error above; `tsc --noEmit` shows type errors", cause: e, retryable: false });
  }
  const flows = Object.entries(mod).filter(([, v]) => v instanceof FlowBuilder && v._root !== undefined) as [string, AnyFlow][];
  if (exportName) {
    const hit = flows.find(([name, f]) => name === exportName || f.id === exportName);
    if (hit) return hit[1];
    throw new CapstanError("CAPSTAN_USAGE", `${file} has no flow "${exportName}" (it exports: ${list(flows)})`, { hint: "pass --flow with an export name or a flow id", retryable: false });
  }
  const byDefault = flows.find(([name]) => name === "default");
  if (byDefault) return byDefault[1];
  const unique = [...new Set(flows.map(([, f]) => f))];
  if (unique.length === 1) return unique[0]!;
  if (unique.length === 0) {
    throw new CapstanError("CAPSTAN_USAGE", `${file} exports no flow`, { hint: "export the flow: `export default flow({ id: ... })...`", retryable: false });
  }
  throw new CapstanError("CAPSTAN_USAGE", `${file} exports several flows (${list(flows)})`, { hint: "choose one with --flow <export or id>, or export one as default", retryable: false });
}

function list(flows: [string, AnyFlow][]): string {
  return flows.map(([name, f]) => `${name} (id ${f.id})`).join(", ") || "none";
}
