import { fileURLToPath } from "node:url";
import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodexInvalidMessageError, CodexSpawnError } from "../src/errors/connectionErrors.js";
import { ConnectionClosedError } from "../src/errors/localErrors.js";
import { ESSENTIAL_ENV_KEYS, StdioTransport, type StdioTransportOptions } from "../src/node/stdio.js";
import { codexBinaryPath } from "./support/codexBinary.js";
import { createCodexHome } from "./support/codexHome.js";
import { initializedNotification, initializeRequest, MessageLog } from "./support/messageLog.js";
import { isProcessAlive } from "./support/process.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const nodeScript = (name: string, options: { closeTimeoutMs?: number } = {}) =>
  new StdioTransport({ command: process.execPath, args: [fixture(name)], ...options });
const isMethod = (method: string) => (message: JsonRpcMessage) =>
  "method" in message && message.method === method;

const transports: StdioTransport[] = [];
function track<T extends StdioTransport>(transport: T): T {
  transports.push(transport);
  return transport;
}
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  vi.unstubAllEnvs();
});

describe("StdioTransport with the real app-server", () => {
  it("does the initialize handshake and answers model/list", async () => {
    await using home = await createCodexHome();
    const transport = track(new StdioTransport({ command: codexBinaryPath(), env: home.env }));
    const log = new MessageLog(transport);
    await transport.start();

    await transport.send(initializeRequest(1));
    const initialized = await log.response(1);
    expect(initialized).toMatchObject({ id: 1, result: { codexHome: home.dir } });
    await transport.send(initializedNotification);
    await transport.send({ id: 2, method: "model/list", params: {} });
    const models = await log.response(2);
    expect(Array.isArray((models as { result: { data: unknown } }).result.data)).toBe(true);

    const pid = transport.pid as number;
    await transport.close();
    const info = await log.closed;
    expect(info.reason).toBe("closed by client (process exited with code 0)");
    expect(info.exitCode).toBe(0);
    expect(info.error).toBeUndefined();
    expect(isProcessAlive(pid)).toBe(false);
    expect(log.errors).toEqual([]);
  });

  it("reports a SIGKILLed server at once, with the signal and the stderr tail, and leaves no process", async () => {
    await using home = await createCodexHome();
    const transport = track(new StdioTransport({ command: codexBinaryPath(), env: home.env }));
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send(initializeRequest(1));
    await log.response(1);
    await transport.send(initializedNotification);

    const pid = transport.pid as number;
    const outstanding = transport.send({ id: 2, method: "thread/start", params: {} });
    process.kill(pid, "SIGKILL");
    await outstanding.catch(() => undefined);
    const info = await log.closed;

    expect(log.messages.some((message) => "id" in message && message.id === 2)).toBe(false);
    expect(info.signal).toBe("SIGKILL");
    expect(info.exitCode).toBeNull();
    expect(info.reason).toBe("process was killed by SIGKILL");
    expect(info.stderrTail).toMatch(/\S/);
    expect(info.error).toBeInstanceOf(ConnectionClosedError);
    expect((info.error as ConnectionClosedError).signal).toBe("SIGKILL");
    expect((info.error as ConnectionClosedError).stderrTail).toBe(info.stderrTail);
    expect(isProcessAlive(pid)).toBe(false);
    await expect(transport.send({ id: 3, method: "model/list", params: {} })).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
    expect(log.closes).toHaveLength(1);
  });
});

describe("StdioTransport with scripted children", () => {
  it("delivers messages, reports a bad line through onerror and an unexpected exit through onclose", async () => {
    const stderrLines: string[] = [];
    const transport = track(
      new StdioTransport({
        command: process.execPath,
        args: [fixture("crashAfterHello.mjs")],
        onStderrLine: (line) => stderrLines.push(line),
      }),
    );
    const log = new MessageLog(transport);
    await transport.start();
    const info = await log.closed;

    expect(log.messages).toEqual([{ method: "fixture/hello" }]);
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toBeInstanceOf(CodexInvalidMessageError);
    expect(info.exitCode).toBe(3);
    expect(info.reason).toBe("process exited with code 3");
    expect(info.stderrTail).toBe("first stderr line\nfatal: something broke");
    expect(info.error?.message).toContain("exited with code 3");
    expect(info.error?.message).toContain("fatal: something broke");
    expect(stderrLines).toEqual(["first stderr line", "fatal: something broke"]);
  });

  it("reports a throwing onmessage through onerror and still delivers the rest of the chunk", async () => {
    const transport = track(
      new StdioTransport({
        command: process.execPath,
        args: ["-e", `process.stdout.write('{"method":"a"}\\n{"method":"b"}\\n')`],
      }),
    );
    const log = new MessageLog(transport);
    const record = transport.onmessage;
    transport.onmessage = (message) => {
      record?.(message);
      if ("method" in message && message.method === "a") throw new Error("handler failed");
    };
    await transport.start();
    await log.closed;
    expect(log.messages).toEqual([{ method: "a" }, { method: "b" }]);
    expect(log.errors.map((error) => error.message)).toEqual(["handler failed"]);
  });

  it("keeps only the last stderrTailLines lines", async () => {
    const transport = track(
      new StdioTransport({
        command: process.execPath,
        args: ["-e", "for (let i = 1; i <= 10; i++) console.error('line ' + i)"],
        stderrTailLines: 3,
      }),
    );
    const log = new MessageLog(transport);
    await transport.start();
    expect((await log.closed).stderrTail).toBe("line 8\nline 9\nline 10");
  });

  it("closes gracefully when the child exits on stdin EOF", async () => {
    const transport = track(nodeScript("echoServer.mjs"));
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send({ id: 7, method: "echo", params: { text: "hé 🎉" } });
    expect(await log.response(7)).toEqual({ id: 7, result: { echo: { text: "hé 🎉" } } });
    await transport.close();
    expect(log.closes).toEqual([
      {
        reason: "closed by client (process exited with code 0)",
        exitCode: 0,
        signal: null,
        stderrTail: undefined,
      },
    ]);
  });

  it("escalates close() to SIGKILL for a child that ignores stdin EOF and SIGTERM", async () => {
    const transport = track(nodeScript("stubbornServer.mjs", { closeTimeoutMs: 1000 }));
    const log = new MessageLog(transport);
    await transport.start();
    await log.next(isMethod("fixture/ready"));
    const pid = transport.pid as number;

    await transport.close();
    const info = await log.closed;
    expect(info.signal).toBe("SIGKILL");
    expect(info.reason).toBe("closed by client (process was killed by SIGKILL)");
    expect(info.stderrTail).toContain("stdin closed, staying alive");
    expect(info.stderrTail).toContain("got SIGTERM, ignoring it");
    expect(info.error).toBeUndefined();
    expect(isProcessAlive(pid)).toBe(false);
    expect(log.closes).toHaveLength(1);
  });

  it("holds later messages back while the pipe is full, and keeps its own buffer bounded", async () => {
    const transport = track(nodeScript("stalledReader.mjs"));
    const log = new MessageLog(transport);
    await transport.start();
    await log.next(isMethod("fixture/ready"));
    const pid = transport.pid as number;

    const small: JsonRpcMessage = { method: "fixture/blob", params: { i: 0 } };
    await transport.send(small);

    const blob = "x".repeat(1024 * 1024);
    const big = Array.from(
      { length: 4 },
      (_, i): JsonRpcMessage => ({ method: "fixture/blob", params: { i, blob } }),
    );
    const settled: number[] = [];
    const sends = big.map((message, i) => transport.send(message).then(() => settled.push(i)));

    // A round trip through the child: the big sends stay pending while it does not read.
    process.kill(pid, "SIGUSR2");
    await log.next(isMethod("fixture/ping"));
    expect(settled).toEqual([]);
    expect(transport.bufferedAmount).toBeGreaterThan(0);
    expect(transport.bufferedAmount).toBeLessThan(2 * 1024 * 1024);

    process.kill(pid, "SIGUSR1");
    await Promise.all(sends);
    expect(settled).toEqual([0, 1, 2, 3]);
    const lastLine = await log.next(
      (message) =>
        isMethod("fixture/line")(message) && (message as { params: { index: number } }).params.index === 5,
    );
    const expectedBytes = JSON.stringify(big[3]).length;
    expect(lastLine).toEqual({ method: "fixture/line", params: { index: 5, bytes: expectedBytes } });
  });

  it("rejects send() before start() and after close(), and a second start()", async () => {
    const transport = track(nodeScript("echoServer.mjs"));
    await expect(transport.send({ method: "x" })).rejects.toMatchObject({ code: "not_started" });
    await transport.start();
    await expect(transport.start()).rejects.toMatchObject({ code: "already_started" });
    await transport.close();
    await expect(transport.send({ method: "x" })).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("rejects a message that cannot be serialized and still writes the next one", async () => {
    const transport = track(nodeScript("echoServer.mjs"));
    const log = new MessageLog(transport);
    await transport.start();
    const bad = transport.send({ id: 1, method: "bad", params: { n: 1n } } as unknown as JsonRpcMessage);
    await expect(bad).rejects.toMatchObject({ code: "serialize_failed" });
    await transport.send({ id: 2, method: "good", params: { ok: true } });
    expect(await log.response(2)).toEqual({ id: 2, result: { echo: { ok: true } } });
    expect(log.messages).toHaveLength(1);
  });

  it("rejects start() with CodexSpawnError when the command does not exist", async () => {
    const transport = track(new StdioTransport({ command: "/nonexistent/codex-for-tests" }));
    const log = new MessageLog(transport);
    const failure = await transport.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexSpawnError);
    expect(failure).toMatchObject({ errno: "ENOENT", command: "/nonexistent/codex-for-tests" });
    expect((failure as Error).message).toContain("command not found");
    expect(log.closes).toEqual([]);
    await transport.close();
    expect(log.closes).toEqual([{ reason: "closed by client" }]);
  });

  it("runs CODEX_APP_SERVER_CMD, split like a shell command line", async () => {
    vi.stubEnv("CODEX_APP_SERVER_CMD", `"${process.execPath}" "${fixture("echoServer.mjs")}"`);
    const transport = track(new StdioTransport());
    expect(transport.command).toBe(process.execPath);
    expect(transport.args).toEqual([fixture("echoServer.mjs")]);
    const log = new MessageLog(transport);
    await transport.start();
    await transport.send({ id: 1, method: "echo", params: { ok: true } });
    expect(await log.response(1)).toEqual({ id: 1, result: { echo: { ok: true } } });
  });

  it("registers one process exit hook while children run and removes it when they end", async () => {
    const before = process.listenerCount("exit");
    const first = track(nodeScript("echoServer.mjs"));
    const second = track(nodeScript("echoServer.mjs"));
    await first.start();
    await second.start();
    expect(process.listenerCount("exit")).toBe(before + 1);
    await first.close();
    expect(process.listenerCount("exit")).toBe(before + 1);
    await second.close();
    expect(process.listenerCount("exit")).toBe(before);
  });
});

describe("StdioTransport environment", () => {
  /** The environment the child saw. */
  async function childEnvOf(options: StdioTransportOptions): Promise<Record<string, string>> {
    const transport = track(
      new StdioTransport({ command: process.execPath, args: [fixture("printEnv.mjs")], ...options }),
    );
    const log = new MessageLog(transport);
    await transport.start();
    const message = await log.next(isMethod("env"));
    return (message as { params: Record<string, string> }).params;
  }

  it("inherits the whole environment by default, with env set over it and undefined removing a key", async () => {
    vi.stubEnv("SDK_TEST_SECRET", "inherited-secret");
    vi.stubEnv("SDK_TEST_DROPPED", "dropped");
    const env = await childEnvOf({ env: { SDK_TEST_EXTRA: "given", SDK_TEST_DROPPED: undefined } });
    expect(env).toMatchObject({ SDK_TEST_SECRET: "inherited-secret", SDK_TEST_EXTRA: "given" });
    expect(env).not.toHaveProperty("SDK_TEST_DROPPED");
    expect(env.PATH).toBe(process.env.PATH);
  });

  it("inheritEnv: false passes only the essentials and env", async () => {
    vi.stubEnv("SDK_TEST_SECRET", "inherited-secret");
    vi.stubEnv("OPENAI_API_KEY", "sk-parent");
    vi.stubEnv("HOME", "/home/for-the-test");
    const env = await childEnvOf({
      inheritEnv: false,
      env: { OPENAI_API_KEY: "sk-given", CODEX_HOME: "/ch" },
    });
    const essentials = Object.fromEntries(
      ESSENTIAL_ENV_KEYS.filter((key) => process.env[key] !== undefined).map((key) => [
        key,
        process.env[key],
      ]),
    );
    expect(env).toEqual({ ...essentials, OPENAI_API_KEY: "sk-given", CODEX_HOME: "/ch" });
    expect(env).toMatchObject({ PATH: process.env.PATH, HOME: "/home/for-the-test" });
  });

  it("inheritEnv: [names] passes the essentials and the names listed", async () => {
    vi.stubEnv("SDK_TEST_SECRET", "inherited-secret");
    vi.stubEnv("HTTPS_PROXY", "http://proxy:3128");
    const env = await childEnvOf({ inheritEnv: ["HTTPS_PROXY", "SDK_TEST_NOT_SET"] });
    expect(env.HTTPS_PROXY).toBe("http://proxy:3128");
    expect(env).not.toHaveProperty("SDK_TEST_SECRET");
    expect(env).not.toHaveProperty("SDK_TEST_NOT_SET");
    expect(env.PATH).toBe(process.env.PATH);
  });
});
