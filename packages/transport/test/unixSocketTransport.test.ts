import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CodexConnectionError } from "../src/errors/connectionErrors.js";
import { ConnectionClosedError } from "../src/errors/localErrors.js";
import { defaultControlSocketPath, UnixSocketTransport } from "../src/node/unix.js";
import { createCodexHome } from "./support/codexHome.js";
import { startUnixSocketServer } from "./support/listeningServer.js";
import { initializedNotification, initializeRequest, MessageLog } from "./support/messageLog.js";

const transports: UnixSocketTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

describe("UnixSocketTransport with the real app-server", () => {
  it("finds the default control socket under CODEX_HOME, does the handshake, sees the server go", async () => {
    await using home = await createCodexHome();
    await using server = await startUnixSocketServer(home);
    const transport = new UnixSocketTransport({ codexHome: home.dir });
    transports.push(transport);
    expect(transport.socketPath).toBe(join(home.dir, "app-server-control", "app-server-control.sock"));
    expect(transport.label).toBe(`unix:${transport.socketPath}`);
    const log = new MessageLog(transport);
    await transport.start();

    await transport.send(initializeRequest(1));
    expect(await log.response(1)).toMatchObject({ id: 1, result: { codexHome: home.dir } });
    await transport.send(initializedNotification);
    await transport.send({ id: 2, method: "thread/start", params: {} });
    expect(await log.response(2)).toMatchObject({ result: { thread: { id: expect.any(String) } } });

    await server[Symbol.asyncDispose]();
    const info = await log.closed;
    expect(info.closeCode).toBe(1006);
    expect(info.error).toBeInstanceOf(ConnectionClosedError);
    expect(log.errors).toEqual([]);
  });

  it("rejects with CodexConnectionError when no socket exists", async () => {
    await using home = await createCodexHome();
    const transport = new UnixSocketTransport({ codexHome: home.dir, handshakeTimeoutMs: 1000 });
    transports.push(transport);
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexConnectionError);
    expect(failure).toMatchObject({ errno: "ENOENT" });
  });
});

describe("defaultControlSocketPath", () => {
  it("puts the socket in app-server-control under the given CODEX_HOME", () => {
    expect(defaultControlSocketPath("/x/home")).toBe("/x/home/app-server-control/app-server-control.sock");
  });
});
