#!/usr/bin/env node
// The `codex-fake-app-server` bin. A committed file, so that installing a workspace whose packages are
// not built yet links the bin without a warning; it runs the built server from dist/.
const server = new URL("../dist/bin/fakeAppServer.js", import.meta.url);
import(server.href).catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("fakeAppServer.js")) {
    process.stderr.write("codex-fake-app-server: the package is not built; run `pnpm build` first\n");
  } else {
    process.stderr.write(`codex-fake-app-server: ${error?.stack ?? error}\n`);
  }
  process.exitCode = 1;
});
