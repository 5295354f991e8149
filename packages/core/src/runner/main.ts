/**
 * Makes a flow file runnable with `tsx flows/x.ts` while keeping it importable by tests:
 * `main(import.meta, flow)` runs the flow only when that file is the program's entry point.
 *
 * @example
 * // flows/rotate.ts
 * export default main(import.meta, flow({ id: "rotate" }).step("a", () => 1));
 * // $ tsx flows/rotate.ts --input namespace=prod
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AnyFlow } from "../dsl/flow.js";
import { runCli, formatError } from "./cli.js";

export function isMain(meta: ImportMeta): boolean {
  const entry = process.argv[1];
  if (!entry || !meta.url.startsWith("file:")) return false;
  try {
    return realpathSync(fileURLToPath(meta.url)) === realpathSync(entry);
  } catch {
    return false;
  }
}

export function main<F extends AnyFlow>(meta: ImportMeta, flow: F): F {
  if (isMain(meta)) {
    runCli(flow, process.argv.slice(2), undefined, { flowFile: fileURLToPath(meta.url) }).then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        process.stderr.write(`${formatError(err, process.argv.includes("--debug"))}\n`);
        process.exitCode = 1;
      },
    );
  }
  return flow;
}
