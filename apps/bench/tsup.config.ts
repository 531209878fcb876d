import { defineConfig } from "tsup";
import { sharedAppTsupConfig } from "../../tsup.shared.js";

/** The bench CLI, and the replay server and session host it spawns. */
export default defineConfig(
  sharedAppTsupConfig(import.meta.dirname, {
    main: "src/main.ts",
    replayServer: "src/support/replayServer.ts",
    turnSessionHost: "src/support/turnSessionHost.ts",
  }),
);
