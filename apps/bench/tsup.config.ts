import { defineConfig } from "tsup";

/**
 * The bench CLI and the replay server it spawns: ESM entries, dependencies left external, so the
 * workspace packages run from their own builds, as users get them.
 */
export default defineConfig({
  entry: { main: "src/main.ts", replayServer: "src/support/replayServer.ts" },
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: false,
  treeshake: true,
  keepNames: true,
});
