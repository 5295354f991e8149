import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/**/*.test.ts", "docs/**/*.test.ts", "test/**/*.test.ts"],
    typecheck: { enabled: false },
    // The secret canary: a test fails if an execution it ran leaked a secret value (docs/reliability.md).
    setupFiles: ["test/setup/secret-canary.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
