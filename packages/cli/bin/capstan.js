#!/usr/bin/env node
// The capstan command. Flow files are TypeScript, so tsx's loader is registered before anything loads.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`capstan needs Node.js >= 22.19 (this is ${process.version}); see the README's "Requirements"\n`);
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
