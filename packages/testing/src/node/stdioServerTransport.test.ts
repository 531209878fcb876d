import { PassThrough, Writable } from "node:stream";
import { CodexInvalidMessageError, ConnectionClosedError } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { StdioServerTransport } from "./stdioServerTransport.js";

function streams() {
  const input = new PassThrough();
  const writes: string[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString("utf8"));
      callback();
    },
  });
  return { input, output, writes };
}

describe("StdioServerTransport", () => {
  it("decodes newline-delimited JSON from the input and reports bad lines without stopping", async () => {
    const { input, output } = streams();
    const transport = new StdioServerTransport({ input, output });
    const messages: unknown[] = [];
    const errors: Error[] = [];
    transport.onmessage = (message) => messages.push(message);
    transport.onerror = (error) => errors.push(error);
    await transport.start();
    input.write('{"id":1,"method":"initialize"}\n{oops\n{"method":"initial');
    input.write('ized"}\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(messages).toEqual([{ id: 1, method: "initialize" }, { method: "initialized" }]);
    expect(errors).toEqual([expect.any(CodexInvalidMessageError)]);
    await transport.close();
  });

  it("writes every message of one event-loop turn in a single write, in order", async () => {
    const { input, output, writes } = streams();
    const transport = new StdioServerTransport({ input, output });
    await transport.start();
    const sends = [];
    for (let i = 0; i < 1000; i++) sends.push(transport.send({ method: "n", params: { i } }));
    sends.push(transport.sendRaw("not json"));
    await Promise.all(sends);
    await transport.flushed();
    expect(writes).toHaveLength(1);
    const lines = writes.join("").split("\n");
    expect(lines).toHaveLength(1002);
    expect(lines.slice(0, 2)).toEqual(['{"method":"n","params":{"i":0}}', '{"method":"n","params":{"i":1}}']);
    expect(lines.slice(-2)).toEqual(["not json", ""]);
    await transport.close();
  });

  it("makes senders wait once more than the high-water mark is buffered, until it drains", async () => {
    const input = new PassThrough();
    let release: (() => void) | undefined;
    const output = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        release = callback;
      },
    });
    const transport = new StdioServerTransport({ input, output });
    await transport.start();
    const big = "x".repeat(300 * 1024);
    expect(transport.sendRaw(big)).toBe(transport.sendRaw("small"));
    const waiting = transport.sendRaw(big);
    let done = false;
    void waiting.then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    release?.();
    await waiting;
    expect(done).toBe(true);
    await transport.close();
  });

  it("closes when the input ends, and refuses to send afterwards", async () => {
    const { input, output } = streams();
    const transport = new StdioServerTransport({ input, output });
    const closed = new Promise((resolve) => {
      transport.onclose = resolve;
    });
    await transport.start();
    input.end();
    expect(await closed).toEqual({ reason: "the input ended" });
    await expect(transport.send({ method: "late" })).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("treats a reader that went away (EPIPE) as the end of the connection, not a crash", async () => {
    const input = new PassThrough();
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    const transport = new StdioServerTransport({ input, output });
    const closed = new Promise((resolve) => {
      transport.onclose = resolve;
    });
    await transport.start();
    await transport.send({ method: "n" });
    expect(await closed).toEqual({ reason: "the output closed" });
  });
});
