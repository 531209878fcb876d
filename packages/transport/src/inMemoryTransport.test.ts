import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { ConnectionClosedError } from "./errors/localErrors.js";
import { InMemoryTransport } from "./inMemoryTransport.js";
import { RpcPeer } from "./rpcPeer.js";

const note = (n: number): JsonRpcMessage => ({ method: "tick", params: { n } });

describe("InMemoryTransport", () => {
  it("queues messages sent before the other end starts and delivers them in order on start", async () => {
    const [a, b] = InMemoryTransport.createLinkedPair();
    const got: unknown[] = [];
    b.onmessage = (m) => got.push(m);
    await a.start();
    await a.send(note(1));
    await a.send(note(2));
    expect(got).toEqual([]);
    await b.start();
    expect(got).toEqual([note(1), note(2)]);
  });

  it("a slow reader holds the writer back: memory stays bounded by the high-water mark", async () => {
    const [client, server] = InMemoryTransport.createLinkedPair({ highWaterMark: 8 });
    const received: number[] = [];
    const serverPeer = new RpcPeer({ transport: server });
    serverPeer.onNotification((m) => received.push((m.params as { n: number }).n));
    const clientPeer = new RpcPeer({ transport: client });
    await clientPeer.start();
    await serverPeer.start();
    server.pause();

    let resolved = 0;
    const sends = Array.from({ length: 100 }, (_, n) =>
      clientPeer.notify("tick", { n }).then(() => resolved++),
    );
    // Let every send run as far as it can: writes go one at a time, and stop at the bound.
    for (let i = 0; i < 50; i++) await Promise.resolve();
    expect(server.queued).toBe(8);
    expect(resolved).toBe(8);
    expect(received).toEqual([]);

    server.resume();
    await Promise.all(sends);
    expect(received).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(server.queued).toBe(0);
  });

  it("a sender waiting on a full reader is rejected when the connection closes", async () => {
    const [a, b] = InMemoryTransport.createLinkedPair({ highWaterMark: 1 });
    await a.start();
    await a.send(note(1));
    const waiting = a.send(note(2));
    await b.close();
    await expect(waiting).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("refuses writes after close, with a clear error", async () => {
    const [a] = InMemoryTransport.createLinkedPair();
    await a.close();
    await expect(a.send(note(1))).rejects.toThrow(/transport is closed/);
  });

  it("closing one end closes the other once, with a reason", async () => {
    const [a, b] = InMemoryTransport.createLinkedPair();
    const reasons: string[] = [];
    a.onclose = (i) => reasons.push(`a:${i.reason}`);
    b.onclose = (i) => reasons.push(`b:${i.reason}`);
    await a.close();
    await b.close();
    expect(reasons).toEqual(["a:closed by this end", "b:closed by the other end"]);
  });
});
