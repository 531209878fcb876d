import type { JsonRpcMessage } from "@codex-app-server/protocol";
import type { Transport, TransportCloseInfo } from "@codex-app-server/transport";
import { CodexTransportError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { EarlyStartedTransport } from "./earlyStartedTransport.js";

/** A transport the test drives: `emit*` act as the inner transport reporting. */
class ScriptedTransport implements Transport {
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  ondisconnect?: (info: TransportCloseInfo) => void;
  reopen?: (signal?: AbortSignal) => Promise<void>;
  readonly label = "scripted";
  starts = 0;
  readonly sent: JsonRpcMessage[] = [];
  closed = false;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  private readonly started = new Promise<void>((resolve, reject) => {
    this.settle = { resolve, reject };
  });

  start(): Promise<void> {
    this.starts += 1;
    if (this.starts > 1) {
      return Promise.reject(new CodexTransportError("already started", { code: "already_started" }));
    }
    return this.started;
  }
  finishStart(error?: Error): void {
    if (error === undefined) this.settle.resolve();
    else this.settle.reject(error);
  }
  async send(message: JsonRpcMessage): Promise<void> {
    this.sent.push(message);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** What a client installs before `start()`, recorded in one list, in order. */
function listen(transport: Transport): string[] {
  const seen: string[] = [];
  transport.onmessage = (message) => seen.push(`message ${(message as { method: string }).method}`);
  transport.onerror = (error) => seen.push(`error ${error.message}`);
  transport.onclose = (info) => seen.push(`close ${info.reason}`);
  return seen;
}

describe("EarlyStartedTransport", () => {
  it("starts the inner transport at once; start() answers with that start, and a second start is refused", async () => {
    const inner = new ScriptedTransport();
    const early = new EarlyStartedTransport(inner);
    expect(inner.starts).toBe(1);
    expect(early.label).toBe("scripted");
    inner.finishStart();
    await early.start();
    await expect(early.start()).rejects.toMatchObject({ code: "already_started" });
  });

  it("keeps what the inner transport reports before start() and delivers it in order once started", async () => {
    const inner = new ScriptedTransport();
    const early = new EarlyStartedTransport(inner);
    inner.onmessage?.({ method: "first" } as JsonRpcMessage);
    inner.onerror?.(new Error("stderr noise"));
    inner.onmessage?.({ method: "second" } as JsonRpcMessage);
    const seen = listen(early);
    expect(seen).toEqual([]);
    const started = early.start();
    expect(seen).toEqual([]); // not before the inner start has settled
    inner.finishStart();
    await started;
    expect(seen).toEqual(["message first", "error stderr noise", "message second"]);
    inner.onmessage?.({ method: "third" } as JsonRpcMessage);
    expect(seen.at(-1)).toBe("message third");
  });

  it("a failed inner start is nobody's unhandled rejection before start(), then start() rejects with it", async () => {
    const inner = new ScriptedTransport();
    const early = new EarlyStartedTransport(inner);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      inner.finishStart(new Error("spawn ENOENT"));
      // Two macrotask turns: Node reports unhandled rejections after the microtask queue drains.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await expect(early.start()).rejects.toThrow("spawn ENOENT");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("a close before start() reaches the client's onclose at start()", async () => {
    const inner = new ScriptedTransport();
    const early = new EarlyStartedTransport(inner);
    inner.finishStart();
    inner.onclose?.({ reason: "process exited with code 1", exitCode: 1 });
    const seen = listen(early);
    await early.start();
    expect(seen).toEqual(["close process exited with code 1"]);
  });

  it("hands ondisconnect to an inner transport that can reopen, at start(); sends, closes and reopens go through", async () => {
    const inner = new ScriptedTransport();
    const reopened: unknown[] = [];
    inner.reopen = async (signal) => {
      reopened.push(signal);
    };
    const early = new EarlyStartedTransport(inner);
    expect(inner.ondisconnect).toBeUndefined();
    const lost: string[] = [];
    early.ondisconnect = (info) => lost.push(info.reason);
    inner.finishStart();
    await early.start();
    inner.ondisconnect?.({ reason: "server died" });
    expect(lost).toEqual(["server died"]);
    const signal = new AbortController().signal;
    await early.reopen?.(signal);
    expect(reopened).toEqual([signal]);
    await early.send({ method: "initialized" } as JsonRpcMessage);
    expect(inner.sent).toEqual([{ method: "initialized" }]);
    await early.close();
    expect(inner.closed).toBe(true);
  });

  it("has no reopen when the inner transport has none, and never sets the inner ondisconnect then", async () => {
    const inner = new ScriptedTransport();
    const early = new EarlyStartedTransport(inner);
    expect(early.reopen).toBeUndefined();
    early.ondisconnect = () => undefined;
    inner.finishStart();
    await early.start();
    expect(inner.ondisconnect).toBeUndefined();
  });
});
