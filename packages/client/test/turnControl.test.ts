import { FakeAppServer, step } from "@codex-app-server/testing";
import { InMemoryTransport } from "@codex-app-server/transport";
import { describe, expect, it } from "vitest";
import { CodexClient, CodexUsageError } from "../src/index.js";
import { connectToFake, waitForSnapshot } from "./support.js";

/** Two clients of one fake server: the second knows nothing of the first one's turns. */
function twoClients(turns: Array<Parameters<FakeAppServer["enqueueTurn"]>[0]>) {
  const server = new FakeAppServer({ turns });
  const connect = () => {
    const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
    void server.serve(serverEnd);
    return new CodexClient(clientEnd, { validation: "strict" });
  };
  const first = connect();
  const second = connect();
  return {
    server,
    first,
    second,
    async [Symbol.asyncDispose]() {
      await first.close();
      await second.close();
      await server.close();
    },
  };
}

describe("client.interruptTurn and client.steerTurn", () => {
  it("a turn this client runs goes through its handle: held until the server started it, then its result", async () => {
    await using t = connectToFake({ turns: [{ startDelayMs: 20, steps: [step.hang()] }] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    expect(turn.state).toBe("starting");
    const result = await t.client.interruptTurn(turn.turnId);
    expect(result).toMatchObject({ turnId: turn.turnId, status: "interrupted" });
    expect(t.server.requests("turn/interrupt")).toHaveLength(1);
    expect(thread.state).toBe("idle");
    // Finished, the same call answers at once without a request.
    expect(await t.client.interruptTurn(thread.id, turn.turnId)).toMatchObject({ status: "interrupted" });
    expect(t.server.requests("turn/interrupt")).toHaveLength(1);
  });

  it("steers a turn this client runs through its handle", async () => {
    await using t = connectToFake({ turns: [[step.waitForSteer(), step.message("steered")]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    expect(await t.client.steerTurn(thread.id, turn.turnId, "more")).toEqual({ turnId: turn.turnId });
    expect((await turn.result()).finalResponse).toBe("steered");
    expect(t.server.requests("turn/steer")[0]?.params).toMatchObject({
      threadId: thread.id,
      expectedTurnId: turn.turnId,
      input: [{ type: "text", text: "more" }],
    });
  });

  it("a turn another client runs, after resumeThread: turn/steer and turn/interrupt go to the server directly", async () => {
    await using t = twoClients([[step.waitForSteer(), step.message("first part"), step.hang()]]);
    const thread = await t.first.startThread();
    const turn = await thread.turn("go");
    await waitForSnapshot(turn.actor, (s) => s.matches("streaming"));
    await t.second.resumeThread(thread.id);
    expect(t.second.turn(turn.turnId)).toBeUndefined();

    await expect(t.second.interruptTurn(turn.turnId)).rejects.toThrow(/name its thread/);
    await expect(t.second.interruptTurn(turn.turnId)).rejects.toBeInstanceOf(CodexUsageError);

    expect(await t.second.steerTurn(thread.id, turn.turnId, "from elsewhere")).toEqual({
      turnId: turn.turnId,
    });
    for await (const s of turn.steps()) if (s.text === "first part") break;
    expect(await t.second.interruptTurn(thread.id, turn.turnId)).toBeNull();
    const result = await turn.result();
    expect(result.status).toBe("interrupted");
    expect(result.finalResponse).toBe("first part");
    expect(result.items.filter((i) => i.type === "userMessage")).toHaveLength(2);
  });

  it("refuses a known turn named with another thread", async () => {
    await using t = connectToFake({ turns: [[step.hang()]] });
    const thread = await t.client.startThread();
    const turn = await thread.turn("go");
    await expect(t.client.interruptTurn("other-thread", turn.turnId)).rejects.toThrow(
      /is on thread .*, not on thread other-thread/,
    );
    await expect(t.client.steerTurn("other-thread", turn.turnId, "x")).rejects.toBeInstanceOf(
      CodexUsageError,
    );
    expect(t.server.requests("turn/interrupt")).toEqual([]);
    await turn.interrupt();
  });
});
