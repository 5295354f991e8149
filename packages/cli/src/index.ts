/**
 * @capstan/cli: the `capstan` command as a library, for embedding and tests.
 *
 * @example
 * import { main } from "@capstan/cli";
 * process.exitCode = await main(["graph", "flows/rotate.ts", "--format", "dot"]);
 *
 * @module
 */
export { main, program } from "./main.js";
export { loadFlow } from "./load.js";
export type { CommandContext } from "./context.js";
