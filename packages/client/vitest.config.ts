import { SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { defineConfig, mergeConfig } from "vitest/config";
import { sharedVitestConfig } from "../../vitest.shared.js";

/**
 * Two projects: every test (the real-server ones on the pinned, newest supported codex), and the
 * real-server tests again on the oldest supported release (`CODEX_TEST_VERSION`, which
 * `startRealAppServer` reads; installed through the testing package's `codex-<version>` npm alias).
 * `pnpm test` runs them one after the other, so the two sets of real servers do not compete.
 */
export default mergeConfig(
  sharedVitestConfig,
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: "client" } },
        {
          // Not `extends: true`: that would add the shared `include` (every test) to this one's.
          ...sharedVitestConfig,
          test: {
            ...sharedVitestConfig.test,
            name: `real server ${SUPPORTED_CODEX_RANGE.oldest}`,
            include: [
              "test/realServer.test.ts",
              "test/realServerRelease.test.ts",
              "test/realServerReconnect.test.ts",
            ],
            env: { CODEX_TEST_VERSION: SUPPORTED_CODEX_RANGE.oldest },
          },
        },
      ],
    },
  }),
);
