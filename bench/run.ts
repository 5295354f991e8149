/**
 * `npm run bench`: runs every benchmark (bench/*.ts), each in its own `node --expose-gc --import
 * tsx` process, one after another (they measure the machine: never two at once), then
 * bench/report.ts. `npm run bench -- logs engine` runs only those (the report still covers every
 * result file present, each with its own date). A benchmark that crashes is reported and the others
 * still run; the exit code is non-zero if one crashed or a target was missed.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const NOT_BENCHES = new Set(["run", "report"]);
const all = readdirSync(here)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .filter((b) => !NOT_BENCHES.has(b))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((b) => !all.includes(b));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(", ")}; there are: ${all.join(", ")}`);
  process.exit(2);
}
const selected = asked.length ? all.filter((b) => asked.includes(b)) : all;

const crashed: string[] = [];
for (const bench of selected) {
  console.log(`== bench/${bench}.ts`);
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(here, `${bench}.ts`)], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`bench/${bench}.ts failed (exit ${r.status ?? r.signal})`);
    crashed.push(bench);
  }
}
console.log("== bench/report.ts");
const report = spawnSync(process.execPath, ["--import", "tsx", join(here, "report.ts")], { stdio: "inherit" });
if (crashed.length) console.error(`crashed: ${crashed.join(", ")}`);
process.exit(crashed.length ? 1 : (report.status ?? 1));
