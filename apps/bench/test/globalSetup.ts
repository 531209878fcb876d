import { buildAppForTests } from "../../../vitest.shared.js";
import { BENCH_DIR } from "./support/benchProcess.js";

/** The smoke test runs the built bench, whose bundle imports the packages' dist, as users get them. */
export default function setup(): void {
  buildAppForTests(BENCH_DIR, [
    ["@codex-app-server/client", "dist/index.js"],
    ["@codex-app-server/protocol", "dist/index.js"],
    ["@codex-app-server/transport", "dist/stdio.js"],
    ["@codex-app-server/testing", "dist/bin/fakeAppServer.js"],
  ]);
}
