// Bundled for Node with esbuild (platform node) and run: connectStdio spawns the fake's stdio bin.
import { connectStdio } from "@codex-app-server/client/node";
import { fakeAppServerCommand } from "@codex-app-server/testing";

const client = await connectStdio(fakeAppServerCommand());
try {
  const result = await client.chatOnce("hi");
  console.log(`answer: ${result.finalText}`);
} finally {
  await client.close();
}
