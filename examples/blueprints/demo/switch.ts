/** The demo switch of the blueprints: `--demo` or `CAPSTAN_DEMO=1` on the file run as the program. */
import { isMain } from "@capstan/core";

/** True when this file is the entry point and the demo was asked for; removes `--demo` so the CLI does not see it. */
export function demoRequested(meta: ImportMeta): boolean {
  if (!isMain(meta)) return false;
  const i = process.argv.indexOf("--demo", 2);
  if (i >= 0) process.argv.splice(i, 1);
  return i >= 0 || process.env.CAPSTAN_DEMO === "1";
}
