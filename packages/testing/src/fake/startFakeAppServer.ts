import type { InMemoryTransport } from "@codex-app-server/transport";
import type { FakeAppServerOptions } from "./fakeAppServer.js";
import { FakeAppServer } from "./fakeAppServer.js";

/** A fake served in memory, and the client's end of the connection. Disposing closes both. */
export interface InMemoryFakeAppServer extends AsyncDisposable {
  readonly server: FakeAppServer;
  /** Hand this to your client; it is not started yet. */
  readonly transport: InMemoryTransport;
  close(): Promise<void>;
}

/**
 * Starts a fake app-server in memory: no process, no socket.
 *
 * ```ts
 * await using fake = startFakeAppServer({ turns: [[step.message("Hello")]] });
 * const client = new CodexClient(fake.transport);
 * ```
 */
export function startFakeAppServer(options: FakeAppServerOptions = {}): InMemoryFakeAppServer {
  const { server, transport } = FakeAppServer.inMemory(options);
  const close = async () => {
    await server.close();
    await transport.close();
  };
  return { server, transport, close, [Symbol.asyncDispose]: close };
}
