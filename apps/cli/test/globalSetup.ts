import { buildAppForTests } from "../../../vitest.shared.js";
import { CLI_DIR } from "./support/cliProcess.js";

/** The tests run the built CLI, whose bundle imports the packages' dist, as users get them. */
export default function setup(): void {
  buildAppForTests(CLI_DIR, [
    ["@codex-app-server/client", "dist/index.js"],
    ["@codex-app-server/protocol", "dist/index.js"],
    ["@codex-app-server/testing", "dist/index.js"],
    ["@codex-app-server/transport", "dist/index.js"],
  ]);
}
