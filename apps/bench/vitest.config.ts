import { defineConfig, mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.js";

export default mergeConfig(
  sharedVitestConfig,
  defineConfig({
    test: {
      globalSetup: ["./test/globalSetup.ts"],
      testTimeout: 330_000,
    },
  }),
);
