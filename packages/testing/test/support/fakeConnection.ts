import type { FakeAppServerOptions } from "../../src/fake/fakeAppServer.js";
import { FakeAppServer } from "../../src/fake/fakeAppServer.js";
import type { RawClientOptions } from "./rawClient.js";
import { RawClient } from "./rawClient.js";

/** A fake served in memory and a raw client connected (and initialized) to it. */
export async function connectFake(options: FakeAppServerOptions = {}, clientOptions?: RawClientOptions) {
  const { server, transport } = FakeAppServer.inMemory(options);
  const client = await RawClient.connect(transport, clientOptions);
  return {
    server,
    client,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}
