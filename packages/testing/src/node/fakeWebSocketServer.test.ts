import { inspect } from "node:util";
import {
  CodexAuthenticationError,
  CodexConnectionError,
  CodexInvalidMessageError,
} from "@codex-app-server/transport";
import { WebSocketTransport } from "@codex-app-server/transport/websocket";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RawClient } from "../../test/support/rawClient.js";
import { FakeAppServer } from "../fake/fakeAppServer.js";
import { step } from "../fake/turnScript.js";

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("open", () => {
      resolve(101);
      socket.close();
    });
    socket.once("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe("FakeAppServer.listen (WebSocket)", () => {
  it("serves a client that presents the token, over the real WebSocket transport", async () => {
    await using listener = await FakeAppServer.listen({
      token: "s3cret-token",
      turns: [[step.message("Hi over ws", { chunks: 2 })]],
    });
    expect(listener.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(listener.token).toBe("s3cret-token");
    expect((await fetch(listener.readyzUrl)).status).toBe(200);

    await using client = await RawClient.connect(
      new WebSocketTransport({ url: listener.url, token: listener.token }),
    );
    const run = await client.runTurn(await client.startThread(), "hi");
    expect(run.sequence).toContain("item/agentMessage/delta");
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "Hi over ws" })]);
    expect(listener.server.requests("turn/start")).toHaveLength(1);
    expect(client.errors).toEqual([]);
  });

  it("answers 401 to a wrong or missing token and 403 to an Origin header, like the real server", async () => {
    await using listener = await FakeAppServer.listen();
    expect(listener.token).toMatch(/^[0-9a-f]{48}$/);
    await expect(
      new WebSocketTransport({ url: listener.url, token: "wrong" }).start(),
    ).rejects.toBeInstanceOf(CodexAuthenticationError);
    expect(await upgradeStatus(listener.url, {})).toBe(401);
    expect(await upgradeStatus(listener.url, { ...listener.headers, Origin: "http://evil.example" })).toBe(
      403,
    );
    expect(await upgradeStatus(listener.url, listener.headers)).toBe(101);
    expect(listener.server.received).toEqual([]);
  });

  it("never shows the token: not in url, inspect(), JSON, or the errors of a refused client", async () => {
    await using listener = await FakeAppServer.listen({ token: "tok-that-must-not-leak" });
    const { token } = listener;
    expect(listener.url).not.toContain(token);
    expect(inspect(listener, { depth: 5 })).not.toContain(token);
    expect(JSON.stringify(listener)).not.toContain(token);
    const error = await new WebSocketTransport({ url: listener.url, token: "tok-wrong" })
      .start()
      .catch((e: Error) => e);
    expect(String(error)).not.toContain(token);
  });

  it("serves every connection with the same fake", async () => {
    await using listener = await FakeAppServer.listen();
    await using first = await RawClient.connect(
      new WebSocketTransport({ url: listener.url, token: listener.token }),
    );
    await using second = await RawClient.connect(
      new WebSocketTransport({ url: listener.url, token: listener.token }),
    );
    const threadId = await first.startThread();
    const read = await second.peer.request("thread/read", { threadId });
    expect(read.thread.id).toBe(threadId);
    expect(listener.server.requests("initialize")).toHaveLength(2);
    const run = await second.runTurn(threadId, "from the second connection");
    expect(run.turn.status).toBe("completed");
    expect(first.log.some((entry) => entry.method === "turn/started")).toBe(false);
  });

  it("dropConnection drops the socket (1006); malformed sends a bad frame the client reports", async () => {
    await using listener = await FakeAppServer.listen({
      turns: [[step.malformed("{bad"), step.message("then bye"), step.dropConnection()]],
    });
    const client = await RawClient.connect(
      new WebSocketTransport({ url: listener.url, token: listener.token }),
    );
    await client.startTurn(await client.startThread(), "go");
    const info = await client.closed;
    expect(info.closeCode).toBe(1006);
    expect(client.sequence().at(-1)).toBe("item/completed(agentMessage)");
    expect(client.errors).toEqual([expect.any(CodexInvalidMessageError)]);
  });

  it("close() ends its connections and stops listening; the fake stays usable", async () => {
    const listener = await FakeAppServer.listen({ turns: [[step.hang()]] });
    const client = await RawClient.connect(
      new WebSocketTransport({ url: listener.url, token: listener.token }),
    );
    await client.startTurn(await client.startThread(), "hang");
    await listener.server.waitForRequest("turn/start");
    await listener.close();
    expect((await client.closed).closeCode).toBe(1000);
    await listener.closed;
    await expect(
      new WebSocketTransport({ url: listener.url, token: listener.token }).start(),
    ).rejects.toBeInstanceOf(CodexConnectionError);
    expect(listener.server.closed).toBe(false);
    await listener.server.close();
  });

  it("closing the fake closes its listeners", async () => {
    const fake = new FakeAppServer();
    const listener = await fake.listen();
    await fake.close();
    await listener.closed;
    await expect(fake.listen()).rejects.toThrow(/closed/);
  });
});
