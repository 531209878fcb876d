import { defineConfig } from "vitest/config";

/** Shared vitest settings: every package's vitest.config.ts spreads this. */
export const sharedVitestConfig = defineConfig({
  resolve: {
    conditions: ["@codex-app-server/source"],
  },
  ssr: {
    resolve: {
      conditions: ["@codex-app-server/source"],
    },
  },
  define: {
    __PACKAGE_VERSION__: JSON.stringify("0.0.0-test"),
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: {
      enabled: true,
      include: ["src/**/*.test-d.ts", "test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
  },
});
