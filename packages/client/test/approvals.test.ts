import { step } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import type { ServerRequest } from "../src/index.js";
import { commandStatus, connectToFake, execWithApproval, waitForSnapshot } from "./support.js";

describe("approvals", () => {
  it("declines by default when no handler is set", async () => {
    await using t = connectToFake({ turns: [execWithApproval()] });
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("declined");
    const answer = t.server.received.find((m) => "result" in m) as { result: unknown } | undefined;
    expect(answer?.result).toEqual({ decision: "decline" });
  });

  it("asks the handler with a typed request and sends its decision", async () => {
    const seen: ServerRequest[] = [];
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      {
        onServerRequest: (request) => {
          seen.push(request);
          return request.kind === "commandExecution" ? request.accept() : undefined;
        },
      },
    );
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("completed");
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request.kind).toBe("commandExecution");
    expect(request.method).toBe("item/commandExecution/requestApproval");
    expect(request.turnId).toBe(result.turnId);
    expect(request.threadId).toBe(result.threadId);
    if (request.kind === "commandExecution") {
      expect(request.params.command).toBe("touch marker");
      expect(request.params.reason).toBe("needs write");
      // The real server's list (codex-cli 0.169.0): "decline" is not listed, yet accepted.
      expect(request.availableDecisions?.[0]).toBe("accept");
      expect(request.availableDecisions).toContain("cancel");
      expect(request.availableDecisions).not.toContain("decline");
    }
  });

  it("sends the safe default when the handler throws, and reports the error", async () => {
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      {
        onServerRequest: () => {
          throw new Error("handler bug");
        },
      },
    );
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("declined");
    expect(t.errors.map((e) => e.message)).toContain("handler bug");
  });

  it("replaces an answer the request does not offer with the safe default", async () => {
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      { onServerRequest: () => ({ decision: "approveEverything" }) },
    );
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("declined");
    expect(t.errors.some((e) => /not one the server offered/.test(e.message))).toBe(true);
  });

  it("acceptWithExecpolicyAmendment accepts with the rule the server proposed, and only that rule", async () => {
    const amendments: unknown[] = [];
    let widen = false;
    await using t = connectToFake(
      { turns: [execWithApproval(), execWithApproval()] },
      {
        onServerRequest: (request) => {
          if (request.kind !== "commandExecution") return undefined;
          amendments.push(request.execpolicyAmendment);
          const answer = request.acceptWithExecpolicyAmendment();
          if (!widen) return answer;
          // A wider rule of our own than the one offered: not sent.
          return { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] } } };
        },
      },
    );
    const result = await t.client.chatOnce("go");
    expect(commandStatus(result)).toBe("completed");
    widen = true;
    const second = await t.client.chatOnce("again", { threadId: result.threadId });
    expect(commandStatus(second)).toBe("declined");
    expect(amendments).toEqual([
      ["touch", "marker"],
      ["touch", "marker"],
    ]);
    const answers = t.server.received
      .filter((m) => "result" in m)
      .map((m) => (m as { result: unknown }).result);
    expect(answers).toEqual([
      { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "marker"] } } },
      { decision: "decline" },
    ]);
  });

  it("setServerRequestHandler sets a handler later, replaces it, and undefined clears it", async () => {
    await using t = connectToFake({ turns: [execWithApproval(), execWithApproval(), execWithApproval()] });
    const thread = await t.client.startThread();
    t.client.setServerRequestHandler((request) =>
      request.kind === "commandExecution" ? request.accept() : undefined,
    );
    expect(commandStatus(await thread.run("first"))).toBe("completed");
    t.client.setServerRequestHandler((request) =>
      request.kind === "commandExecution" ? request.acceptForSession() : undefined,
    );
    expect(commandStatus(await thread.run("second"))).toBe("completed");
    t.client.setServerRequestHandler(undefined);
    expect(commandStatus(await thread.run("third"))).toBe("declined");
    const answers = t.server.received
      .filter((m) => "result" in m)
      .map((m) => (m as { result: unknown }).result);
    expect(answers).toEqual([
      { decision: "accept" },
      { decision: "acceptForSession" },
      { decision: "decline" },
    ]);
  });

  it("shows the pending request in the turn's state while the handler decides", async () => {
    let release!: () => void;
    const decided = new Promise<void>((resolve) => {
      release = resolve;
    });
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      {
        onServerRequest: async (request) => {
          await decided;
          return request.kind === "fileChange" || request.kind === "commandExecution"
            ? request.accept()
            : undefined;
        },
      },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    const snapshot = await waitForSnapshot(turn.actor, (s) => s.matches({ streaming: "awaitingRequest" }));
    expect(snapshot.context.pendingRequests).toHaveLength(1);
    expect(turn.awaitingRequest).toBe(true);
    release();
    const result = await turn.result();
    expect(commandStatus(result)).toBe("completed");
    expect(turn.actor.getSnapshot().context.pendingRequests).toEqual([]);
  });

  it("withdraws a request when the turn is interrupted while the handler runs", async () => {
    let signal: AbortSignal | undefined;
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    await using t = connectToFake(
      { turns: [execWithApproval()] },
      {
        onServerRequest: (request) => {
          signal = request.signal;
          entered();
          return new Promise(() => {});
        },
      },
    );
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    await inHandler;
    expect(signal?.aborted).toBe(false);
    const result = await turn.interrupt();
    expect(result.status).toBe("interrupted");
    expect(signal?.aborted).toBe(true);
    expect(turn.actor.getSnapshot().context.pendingRequests).toEqual([]);
  });

  it("hands requests to an approvalRequests() reader, which answers them", async () => {
    await using t = connectToFake({ turns: [execWithApproval()] });
    const reader = (async () => {
      for await (const request of t.client.approvalRequests({ manual: true })) {
        if (request.kind === "commandExecution") request.respond(request.accept());
        return request.kind;
      }
      return undefined;
    })();
    const result = await t.client.chatOnce("go");
    expect(await reader).toBe("commandExecution");
    expect(commandStatus(result)).toBe("completed");
  });

  it("answers file change approvals", async () => {
    await using t = connectToFake(
      { turns: [[step.fileChange([{ path: "a.txt", kind: "add" }], { approval: { reason: "write" } })]] },
      { onServerRequest: (r) => (r.kind === "fileChange" ? r.accept() : undefined) },
    );
    const result = await t.client.chatOnce("go");
    const item = result.items.find((i) => i.type === "fileChange") as { status?: string } | undefined;
    expect(item?.status).toBe("completed");
  });

  it("declines file changes by default", async () => {
    await using t = connectToFake({ turns: [[step.fileChange([{ path: "a.txt" }], { approval: {} })]] });
    const result = await t.client.chatOnce("go");
    const item = result.items.find((i) => i.type === "fileChange") as { status?: string } | undefined;
    expect(item?.status).toBe("declined");
  });
});
