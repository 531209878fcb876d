import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { CodexValidationError } from "@codex-app-server/protocol";
import type { FakeAppServerOptions } from "@codex-app-server/testing";
import { FakeAppServer, step } from "@codex-app-server/testing";
import { InMemoryTransport } from "@codex-app-server/transport";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CodexClientOptions } from "../src/index.js";
import { CodexClient, CodexServerVersionWarning, CodexTurnInactiveError } from "../src/index.js";

type Message = Record<string, unknown> & { method?: string; params?: Record<string, unknown> };

/**
 * A client talking to the fake through a relay that can rewrite what the fake sends (`tamper`), the way
 * a server of another version would send it. The fake itself still checks everything it sends.
 */
async function connectThroughRelay(
  tamper: (message: Message, forward: (message: Message) => void) => Message | undefined,
  clientOptions: CodexClientOptions = {},
  fakeOptions: FakeAppServerOptions = {},
) {
  const { server, transport: fakeEnd } = FakeAppServer.inMemory(fakeOptions);
  const [clientEnd, relayEnd] = InMemoryTransport.createLinkedPair();
  // Sends after either side has closed are of no interest here.
  const ignore = () => {};
  const forward = (message: Message) =>
    void relayEnd.send(message as unknown as JsonRpcMessage).catch(ignore);
  relayEnd.onmessage = (message) => void fakeEnd.send(message).catch(ignore);
  fakeEnd.onmessage = (message) => {
    const out = tamper(structuredClone(message) as Message, forward);
    if (out !== undefined) forward(out);
  };
  await Promise.all([fakeEnd.start(), relayEnd.start()]);
  const errors: Error[] = [];
  const client = new CodexClient(clientEnd, {
    validation: "strict",
    onError: (error) => errors.push(error),
    ...clientOptions,
  });
  return {
    client,
    server,
    errors,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}

const untouched = (message: Message) => message;

/** turn/completed with a status no release sends: fails its schema. */
function breakTurnCompleted(message: Message): Message {
  if (message.method === "turn/completed")
    (message.params?.turn as Record<string, unknown>).status = "finished";
  return message;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("strict validation never drops a message silently", () => {
  it("a turn/completed that fails its schema fails the turn at once with the validation error", async () => {
    await using t = await connectThroughRelay(breakTurnCompleted, { inactivityTimeoutMs: 60_000 });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    const failure = await turn.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CodexValidationError);
    expect(failure).not.toBeInstanceOf(CodexTurnInactiveError);
    expect(failure).toMatchObject({ kind: "notification", method: "turn/completed" });
    expect((failure as CodexValidationError).issues[0]?.path).toEqual(["turn", "status"]);
    expect(turn.state).toBe("failed");
    // The same error went to onError, and the server was asked to stop the turn.
    expect(t.errors).toContain(failure);
    await t.server.waitForRequest("turn/interrupt");
  });

  it("a notification that arrives before its turn/start answer fails the turn as soon as it exists", async () => {
    let held: Message | undefined;
    // Hold the turn/start answer back until a broken turn/started has gone through.
    const reorder = (message: Message, forward: (message: Message) => void): Message | undefined => {
      const result = message.result as Record<string, unknown> | undefined;
      if (held === undefined && result !== undefined && "turn" in result && !("thread" in result)) {
        held = message;
        return undefined;
      }
      if (message.method === "turn/started" && held !== undefined) {
        (message.params?.turn as Record<string, unknown>).status = "finished";
        forward(message);
        forward(held);
        return undefined;
      }
      return message;
    };
    await using t = await connectThroughRelay(reorder, {}, { turns: [[step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await expect(turn.result()).rejects.toMatchObject({
      name: "CodexValidationError",
      method: "turn/started",
      issues: [{ path: ["turn", "status"] }],
    });
    expect(turn.state).toBe("failed");
    await t.server.waitForRequest("turn/interrupt");
  });

  it("a response that fails its schema rejects its request with the validation error", async () => {
    const breakThreadStart = (message: Message): Message => {
      const result = message.result as Record<string, unknown> | undefined;
      if (result !== undefined && typeof result.thread === "object")
        (result.thread as Record<string, unknown>).id = 7;
      return message;
    };
    await using t = await connectThroughRelay(breakThreadStart);
    const failure = await t.client.startThread().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CodexValidationError);
    expect(failure).toMatchObject({ kind: "response", method: "thread/start" });
    expect((failure as CodexValidationError).issues[0]?.path).toEqual(["thread", "id"]);
  });

  it("lenient (the default) delivers the message and reports the error", async () => {
    await using t = await connectThroughRelay(breakTurnCompleted, { validation: undefined });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    const result = await turn.result();
    expect(result.finalResponse).toBe("ok");
    expect(t.errors).toEqual([expect.any(CodexValidationError)]);
  });

  it("without onError, a dropped message is printed on stderr once, and so is any other problem", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await using t = await connectThroughRelay(breakTurnCompleted, { onError: undefined });
    const thread = await t.client.startThread();
    const turn = await thread.turn("hi");
    await expect(turn.result()).rejects.toBeInstanceOf(CodexValidationError);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^codex-client: CodexValidationError: invalid notification turn\/completed at turn\.status/,
    );
  });

  it("without onError, a line that is not JSON-RPC is printed on stderr too", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const notJsonRpc = (message: Message): Message =>
      message.method === "turn/started" ? ({ neither: "request nor response" } as Message) : message;
    await using t = await connectThroughRelay(notJsonRpc, { onError: undefined, validation: "lenient" });
    const thread = await t.client.startThread();
    await (await thread.turn("hi")).result();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^codex-client: CodexProtocolViolationError: .*invalid message/,
    );
  });
});

describe("the server's version", () => {
  function withUserAgent(userAgent: string) {
    return (message: Message): Message => {
      const result = message.result as Record<string, unknown> | undefined;
      if (result !== undefined && typeof result.userAgent === "string") result.userAgent = userAgent;
      return message;
    };
  }

  it("is read from the initialize response's userAgent; a supported one raises no warning", async () => {
    const warnings: Error[] = [];
    await using t = await connectThroughRelay(
      withUserAgent("codex-app-server-sdk-ts/0.163.0 (Debian 12.0.0; x86_64) xterm (sdk; 0.1.0)"),
      { onWarning: (warning) => warnings.push(warning) },
    );
    expect(t.client.serverVersion).toBeUndefined();
    await t.client.initialize();
    expect(t.client.serverVersion?.text).toBe("0.163.0");
    expect(warnings).toEqual([]);
    expect(t.errors).toEqual([]);
  });

  it.each([
    ["0.150.2", "older", /older than this SDK supports \(codex-cli 0\.163\.0 to 0\.171\.0\)/],
    ["0.180.0", "newer", /newer than this SDK supports .*generated from 0\.171\.0/],
  ] as const)("%s outside the range is a warning through onWarning (%s)", async (version, support, message) => {
    const warnings: Error[] = [];
    await using t = await connectThroughRelay(
      withUserAgent(`codex_cli_rs/${version} (Linux; x86_64) t (x; 1)`),
      {
        onWarning: (warning) => warnings.push(warning),
      },
    );
    await t.client.initialize();
    expect(t.client.serverVersion?.text).toBe(version);
    expect(warnings).toEqual([expect.any(CodexServerVersionWarning)]);
    expect(warnings[0]).toMatchObject({ code: "unsupported_server_version", support });
    expect(warnings[0]?.message).toMatch(message);
    // The client still works.
    await t.client.startThread();
  });

  it("goes to onError without onWarning, and to stderr once without either", async () => {
    await using withHook = await connectThroughRelay(withUserAgent("codex_cli_rs/0.100.0 (Linux)"));
    await withHook.client.initialize();
    expect(withHook.errors).toEqual([expect.any(CodexServerVersionWarning)]);

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 2; i++) {
      await using t = await connectThroughRelay(withUserAgent("codex_cli_rs/0.100.1 (Linux)"), {
        onError: undefined,
      });
      await t.client.initialize();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("codex app-server 0.100.1 is older");
  });

  it("that the userAgent does not tell is a warning too", async () => {
    const warnings: Error[] = [];
    await using t = await connectThroughRelay(withUserAgent("some server"), {
      onWarning: (warning) => warnings.push(warning),
    });
    await t.client.initialize();
    expect(t.client.serverVersion).toBeUndefined();
    expect(warnings[0]).toMatchObject({ support: "unknown" });
  });
});

describe("the relay", () => {
  it("passes everything through untouched when asked to", async () => {
    await using t = await connectThroughRelay(untouched, {}, { turns: [[step.message("hello")]] });
    const thread = await t.client.startThread();
    expect((await (await thread.turn("hi")).result()).finalResponse).toBe("hello");
    expect(t.errors).toEqual([]);
  });
});
