import type { ServerPeer } from "@codex-app-server/transport";
import { InMemoryTransport, RpcPeer } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import type { ServerRequest } from "../src/index.js";
import { CodexClient, CodexUsageError } from "../src/index.js";

/** A client wired to a raw server peer, to send it any server request. */
async function rawServer(onServerRequest?: (request: ServerRequest) => unknown) {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  const server: ServerPeer = new RpcPeer({ transport: serverEnd, requestTimeoutMs: 5_000 });
  server.setRequestHandler("initialize", () => ({
    userAgent: "codex_cli_rs/0.171.0 (raw test server)",
    codexHome: "/h",
    platformFamily: "unix",
    platformOs: "linux",
  }));
  await server.start();
  const errors: Error[] = [];
  const client = new CodexClient(clientEnd, {
    validation: "strict",
    onError: (e) => errors.push(e),
    ...(onServerRequest ? { onServerRequest } : {}),
  });
  await client.initialize();
  return {
    server,
    client,
    errors,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}

const ids = { threadId: "thr_1", turnId: "turn_1", itemId: "item_1" };

/** An `item/commandExecution/requestApproval` request's params: the ids, a command, and `fields`. */
const commandApproval = (fields: Record<string, unknown>) =>
  ({ ...ids, kind: "command", startedAtMs: 1, ...fields }) as never;

/** An `item/permissions/requestApproval` request's params: the ids, the permissions asked, a reason. */
const permissionsApproval = (permissions: unknown, reason: string | null = null) =>
  ({ ...ids, environmentId: null, startedAtMs: 1, cwd: "/w", reason, permissions }) as never;

describe("server requests: safe defaults without a handler", () => {
  it("permissions: an empty grant for the turn", async () => {
    await using t = await rawServer();
    const answer = await t.server.request(
      "item/permissions/requestApproval",
      permissionsApproval({ network: { enabled: true } }),
    );
    expect(answer).toEqual({ permissions: {}, scope: "turn" });
  });

  it("user input: no answers", async () => {
    await using t = await rawServer();
    const answer = await t.server.request("item/tool/requestUserInput", {
      ...ids,
      questions: [],
      isBlocking: true,
      autoResolutionMs: null,
    } as never);
    expect(answer).toEqual({ answers: {} });
  });

  it("MCP elicitation: cancel", async () => {
    await using t = await rawServer();
    const answer = await t.server.request("mcpServer/elicitation/request", {
      threadId: "thr_1",
      turnId: null,
      serverName: "srv",
      mode: "url",
      _meta: null,
      message: "log in",
      url: "https://x",
      elicitationId: "e1",
    } as never);
    expect(answer).toEqual({ action: "cancel", content: null, _meta: null });
  });

  it("legacy exec approval: denied", async () => {
    await using t = await rawServer();
    const answer = await t.server.request("execCommandApproval", {
      conversationId: "thr_1",
      callId: "c1",
      approvalId: null,
      command: ["ls"],
      cwd: "/w",
      reason: null,
      parsedCmd: [],
    } as never);
    expect(answer).toEqual({ decision: { denied: { rejection: "declined by default" } } });
  });

  it("a server request the client does not know is answered method-not-found", async () => {
    await using t = await rawServer();
    await expect(t.server.requestUntyped("item/future/request", { ...ids })).rejects.toMatchObject({
      code: -32601,
    });
  });
});

describe("server requests: handler helpers", () => {
  it("grants exactly the permissions asked, for the session", async () => {
    await using t = await rawServer((r) => (r.kind === "permissions" ? r.grant("session") : undefined));
    const answer = await t.server.request(
      "item/permissions/requestApproval",
      permissionsApproval({ network: { enabled: true }, fileSystem: null }, "net"),
    );
    expect(answer).toEqual({ permissions: { network: { enabled: true } }, scope: "session" });
  });

  it("answers user-input questions", async () => {
    await using t = await rawServer((r) => (r.kind === "userInput" ? r.answer({ q1: ["yes"] }) : undefined));
    const answer = await t.server.request("item/tool/requestUserInput", {
      ...ids,
      questions: [],
      isBlocking: true,
      autoResolutionMs: null,
    } as never);
    expect(answer).toEqual({ answers: { q1: { answers: ["yes"] } } });
  });

  it("accepts an MCP elicitation with content", async () => {
    await using t = await rawServer((r) =>
      r.kind === "mcpElicitation" ? r.accept({ name: "x" }) : undefined,
    );
    const answer = await t.server.request("mcpServer/elicitation/request", {
      threadId: "thr_1",
      turnId: null,
      serverName: "srv",
      mode: "url",
      _meta: null,
      message: "m",
      url: "https://x",
      elicitationId: "e1",
    } as never);
    expect(answer).toEqual({ action: "accept", content: { name: "x" }, _meta: null });
  });

  it("respects availableDecisions: an answer not offered gets the safe default", async () => {
    await using t = await rawServer((r) => (r.kind === "commandExecution" ? r.cancel() : undefined));
    const answer = await t.server.request(
      "item/commandExecution/requestApproval",
      commandApproval({
        environmentId: null,
        command: "ls",
        availableDecisions: ["accept"],
      }),
    );
    expect(answer).toEqual({ decision: "decline" });
    expect(t.errors.some((e) => /not one the server offered/.test(e.message))).toBe(true);
  });

  it("sends acceptForSession although the server does not list it (codex-cli 0.169.0 takes it)", async () => {
    await using t = await rawServer((r) =>
      r.kind === "commandExecution" ? r.acceptForSession() : undefined,
    );
    const answer = await t.server.request(
      "item/commandExecution/requestApproval",
      commandApproval({
        environmentId: null,
        command: "ls",
        availableDecisions: ["accept", "cancel"],
      }),
    );
    expect(answer).toEqual({ decision: "acceptForSession" });
    expect(t.errors).toEqual([]);
  });

  it("acceptWithExecpolicyAmendment without a proposed rule throws CodexUsageError: the safe default goes", async () => {
    const seen: Array<readonly string[] | null> = [];
    await using t = await rawServer((r) => {
      if (r.kind !== "commandExecution") return undefined;
      seen.push(r.execpolicyAmendment);
      return r.acceptWithExecpolicyAmendment();
    });
    const answer = await t.server.request(
      "item/commandExecution/requestApproval",
      commandApproval({
        command: "ls",
        availableDecisions: ["accept", "cancel"],
      }),
    );
    expect(seen).toEqual([null]);
    expect(answer).toEqual({ decision: "decline" });
    expect(
      t.errors.some((e) => e instanceof CodexUsageError && /proposed no execpolicy/.test(e.message)),
    ).toBe(true);
  });

  it("acceptWithExecpolicyAmendment is sent where the server offers that decision, not without a list", async () => {
    await using t = await rawServer((r) =>
      r.kind === "commandExecution" ? r.acceptWithExecpolicyAmendment() : undefined,
    );
    const answer = await t.server.request(
      "item/commandExecution/requestApproval",
      commandApproval({
        command: "npm test",
        proposedExecpolicyAmendment: ["npm", "test"],
      }),
    );
    // No list: the classic four are assumed, and an amendment is not among them.
    expect(answer).toEqual({ decision: "decline" });
    const offered = await t.server.request(
      "item/commandExecution/requestApproval",
      commandApproval({
        command: "npm test",
        proposedExecpolicyAmendment: ["npm", "test"],
        availableDecisions: [
          "accept",
          { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["npm", "test"] } },
        ],
      }),
    );
    expect(offered).toEqual({
      decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["npm", "test"] } },
    });
  });

  it("a request withdrawn by serverRequest/resolved aborts the handler's signal and gets the safe default", async () => {
    let signal: AbortSignal | undefined;
    let requestId: string | number | undefined;
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    await using t = await rawServer((r) => {
      signal = r.signal;
      requestId = r.id;
      entered();
      return new Promise(() => {});
    });
    const answer = t.server.request(
      "item/commandExecution/requestApproval",
      commandApproval({
        environmentId: null,
        command: "ls",
      }),
    );
    await inHandler;
    await t.server.notify("serverRequest/resolved", {
      threadId: "thr_1",
      requestId: requestId as string | number,
    });
    expect(await answer).toEqual({ decision: "decline" });
    expect(signal?.aborted).toBe(true);
  });
});

describe("server requests: a permissions grant never exceeds the request", () => {
  const asked = {
    network: { enabled: false },
    fileSystem: {
      read: ["/w/docs"],
      write: ["/w/out"],
      globScanMaxDepth: 3,
      entries: [
        { access: "write", path: { type: "path", path: "/w/src" } },
        { access: "read", path: { type: "glob_pattern", pattern: "/w/**/*.md" } },
      ],
    },
  };

  /** What the server receives when the handler answers `answer` to a request asking for `permissions`. */
  async function answerTo(answer: unknown, permissions: unknown = asked) {
    await using t = await rawServer(() => answer);
    const received = await t.server.request(
      "item/permissions/requestApproval",
      permissionsApproval(permissions),
    );
    return { received, errors: t.errors.map((error) => error.message) };
  }

  const refused = { permissions: {}, scope: "turn" };

  it.each([
    ["the network, not asked for", { permissions: { network: { enabled: true } } }],
    ["a path to read that was not listed", { permissions: { fileSystem: { read: ["/etc"] } } }],
    ["write access to a path listed to read", { permissions: { fileSystem: { write: ["/w/docs"] } } }],
    [
      "write access to an entry asked as read",
      {
        permissions: {
          fileSystem: {
            entries: [{ access: "write", path: { type: "glob_pattern", pattern: "/w/**/*.md" } }],
          },
        },
      },
    ],
    [
      "an entry for another path",
      {
        permissions: {
          fileSystem: { entries: [{ access: "read", path: { type: "special", value: { kind: "root" } } }] },
        },
      },
    ],
    ["a deeper glob scan", { permissions: { fileSystem: { globScanMaxDepth: 99 } } }],
    ["a field it cannot judge", { permissions: { shell: { unrestricted: true } } }],
    ["an unknown scope", { permissions: {}, scope: "forever" }],
    ["no permissions object", { scope: "session" }],
  ])("refuses %s and sends the empty grant", async (_what, answer) => {
    const { received, errors } = await answerTo(answer);
    expect(received).toEqual(refused);
    expect(errors).toEqual([
      "the answer to item/permissions/requestApproval is not one the server offered; the safe default was sent instead",
    ]);
  });

  it.each([
    ["everything asked, for the session", { permissions: asked, scope: "session" }],
    [
      "a part of it, with less access",
      {
        permissions: {
          network: { enabled: false },
          fileSystem: {
            read: ["/w/out"],
            globScanMaxDepth: 2,
            entries: [{ access: "read", path: { path: "/w/src", type: "path" } }],
          },
        },
        scope: "turn",
        strictAutoReview: true,
      },
    ],
    ["nothing", { permissions: { network: null, fileSystem: null } }],
  ])("forwards a grant of %s as it is", async (_what, answer) => {
    const { received, errors } = await answerTo(answer);
    expect(received).toEqual(answer);
    expect(errors).toEqual([]);
  });

  it("grant() passes the check: it grants exactly what was asked", async () => {
    const permissions = { ...asked, network: { enabled: true } };
    await using t = await rawServer((r) => (r.kind === "permissions" ? r.grant() : undefined));
    const received = await t.server.request(
      "item/permissions/requestApproval",
      permissionsApproval(permissions),
    );
    expect(received).toEqual({
      permissions: { network: { enabled: true }, fileSystem: asked.fileSystem },
      scope: "turn",
    });
    expect(t.errors).toEqual([]);
  });
});
