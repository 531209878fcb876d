import { defineConfig } from "tsup";
import { sharedTsupConfig } from "../../tsup.shared.js";

export default defineConfig(
  sharedTsupConfig(import.meta.dirname, {
    index: "src/index.ts",
    stdio: "src/node/stdio.ts",
    websocket: "src/node/websocket.ts",
    unix: "src/node/unix.ts",
  }),
);
