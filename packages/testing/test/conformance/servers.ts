import { StdioTransport } from "@codex-app-server/transport/stdio";
import { WebSocketTransport } from "@codex-app-server/transport/websocket";
import { FakeAppServer } from "../../src/fake/fakeAppServer.js";
import { fakeAppServerCommand } from "../../src/node/fakeAppServerCommand.js";
import { writeScenarioFile } from "../../src/node/scenarioFile.js";
import { startRealAppServer } from "../../src/realServer/startRealAppServer.js";
import { RawClient } from "../support/rawClient.js";
import type { Scenario } from "./scenarios.js";

/** A server under test, with a raw client connected to it and initialized. */
export interface ConformanceServer extends AsyncDisposable {
  readonly client: RawClient;
  /** Resolves once the server has asked its model for `count` replies; the fake has no model, so at once. */
  modelCalls(count: number): Promise<void>;
}

export type ServerFactory = (scenario: Scenario) => Promise<ConformanceServer>;

/** The fake, in memory, playing the scenario's turn scripts. */
export const fakeServer: ServerFactory = async (scenario) => {
  const { server, transport } = FakeAppServer.inMemory({ turns: scenario.fake });
  const client = await RawClient.connect(transport);
  return {
    client,
    modelCalls: async () => {},
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
      if (server.errors.length > 0) throw new AggregateError(server.errors, "the fake recorded errors");
    },
  };
};

/** The same fake behind a WebSocket listener (token auth), reached with the SDK's WebSocket transport. */
export const fakeOverWebSocket: ServerFactory = async (scenario) => {
  const listener = await FakeAppServer.listen({ turns: scenario.fake });
  const client = await RawClient.connect(
    new WebSocketTransport({ url: listener.url, token: listener.token }),
  );
  return {
    client,
    modelCalls: async () => {},
    async [Symbol.asyncDispose]() {
      await client.close();
      await listener.server.close();
      if (listener.server.errors.length > 0)
        throw new AggregateError(listener.server.errors, "the fake recorded errors");
    },
  };
};

/** The `codex-fake-app-server` bin as a child process, reading the scenario from a file. */
export const fakeOverStdio: ServerFactory = async (scenario) => {
  const file = await writeScenarioFile({ turns: scenario.fake });
  const transport = new StdioTransport(fakeAppServerCommand(file.path));
  const client = await RawClient.connect(transport);
  if (transport.pid !== undefined) childPids.push(transport.pid);
  return {
    client,
    modelCalls: async () => {},
    async [Symbol.asyncDispose]() {
      await client.close();
      await file.remove();
    },
  };
};

/** Process ids of the servers started as child processes here, to check none is left behind. */
export const childPids: number[] = [];

/** A real `codex app-server` release over stdio, against a scripted model set up by the scenario. */
export const realServer =
  (codexVersion: string): ServerFactory =>
  async (scenario) => {
    const server = await startRealAppServer({ codexVersion });
    try {
      scenario.model(server.model);
      const transport = new StdioTransport(server.stdioOptions);
      const client = await RawClient.connect(transport);
      if (transport.pid !== undefined) childPids.push(transport.pid);
      return {
        client,
        modelCalls: async (count) => {
          await server.model.waitForRequests(count, { timeoutMs: 10_000 });
        },
        async [Symbol.asyncDispose]() {
          await client.close();
          await server.close();
        },
      };
    } catch (error) {
      await server.close();
      throw error;
    }
  };
