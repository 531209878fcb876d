import { defineConfig } from "tsup";
import { sharedAppTsupConfig } from "../../tsup.shared.js";

/** The bench CLI and the scripts it spawns (the replay server, the session host, the cold-connect probe). */
export default defineConfig(
  sharedAppTsupConfig(import.meta.dirname, {
    main: "src/main.ts",
    replayServer: "src/support/replayServer.ts",
    turnSessionHost: "src/support/turnSessionHost.ts",
    connectProbe: "src/support/connectProbe.ts",
  }),
);
