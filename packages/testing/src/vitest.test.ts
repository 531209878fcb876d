import { describe, expect, it } from "vitest";
import { RawClient } from "../test/support/rawClient.js";
import { FakeAppServer } from "./fake/fakeAppServer.js";
import type { InMemoryFakeAppServer } from "./fake/startFakeAppServer.js";
import { step } from "./fake/turnScript.js";
import type { StdioRealAppServer } from "./realServer/startRealAppServer.js";
import type { ScriptedModel } from "./scriptedModel/scriptedModel.js";
import {
  assertNoFakeErrors,
  expectSequence,
  useFakeAppServer,
  useRealAppServer,
  useScriptedModel,
} from "./vitest.js";

describe("useFakeAppServer", () => {
  const fake = useFakeAppServer(() => ({ turns: [[step.message("from the helper")]] }));
  let previous: InMemoryFakeAppServer | undefined;

  it("gives each test a fresh fake with the options", async () => {
    previous = fake();
    const client = await RawClient.connect(fake().transport);
    const run = await client.runTurn(await client.startThread(), "hi");
    expect(run.turn.items).toEqual([expect.objectContaining({ text: "from the helper" })]);
    expectSequence(
      fake().server.sent,
      ["turn/started", "item/completed(agentMessage)", "turn/completed(completed)"],
      {
        partial: true,
      },
    );
  });

  it("closed the previous test's fake", () => {
    expect(previous?.server.closed).toBe(true);
    expect(fake()).not.toBe(previous);
    expect(fake().server.pendingTurns).toBe(1);
  });
});

describe("an accessor used outside a test", () => {
  const fake = useFakeAppServer();
  let thrown: unknown;
  try {
    fake();
  } catch (error) {
    thrown = error;
  }
  it("throws a clear error", () => {
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe(
      "useFakeAppServer(): use the accessor inside a test or a hook that runs after beforeEach",
    );
  });
});

describe("assertNoFakeErrors", () => {
  it("passes with no errors and lists them otherwise", async () => {
    const { server, transport } = FakeAppServer.inMemory({
      turns: [[step.notify("turn/started", { not: "valid" })]],
    });
    assertNoFakeErrors(server);
    const client = await RawClient.connect(transport);
    await client.runTurn(await client.startThread(), "go");
    await server.close();
    expect(() => assertNoFakeErrors(server)).toThrow(
      /recorded 1 error\(s\):\n- the fake server would send invalid params of turn\/started/,
    );
  });
});

describe("useScriptedModel", () => {
  const model = useScriptedModel();
  let previous: ScriptedModel | undefined;
  it("starts a model for the test", () => {
    previous = model();
    expect(model().baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });
  it("closes it afterwards", () => {
    expect(previous?.closed).toBe(true);
    expect(model().closed).toBe(false);
  });
});

describe("useRealAppServer", () => {
  const server = useRealAppServer({ approvalPolicy: "never" });
  let previous: StdioRealAppServer | undefined;
  it("prepares the real server for the test", () => {
    previous = server();
    expect(server().stdioOptions.args).toEqual(["app-server"]);
  });
  it("cleans it up afterwards", () => {
    expect(previous?.closed).toBe(true);
    expect(server().closed).toBe(false);
  });
});

describe("expectSequence", () => {
  const messages = [
    { method: "thread/started", params: { thread: { id: "t1" } } },
    { id: 1, result: {} },
    { method: "turn/started", params: { threadId: "t1", turn: { id: "u1" } } },
    { method: "account/rateLimits/updated", params: {} },
    { method: "item/completed", params: { threadId: "t2", turnId: "u2", item: { type: "agentMessage" } } },
    { id: 0, method: "item/commandExecution/requestApproval", params: { threadId: "t1", turnId: "u1" } },
    { method: "turn/completed", params: { threadId: "t1", turn: { id: "u1", status: "completed" } } },
  ];

  it("compares exactly, or in order with gaps, optionally for one thread's turn", () => {
    expectSequence(messages, [
      "thread/started",
      "turn/started",
      "account/rateLimits/updated",
      "item/completed(agentMessage)",
      "REQ item/commandExecution/requestApproval",
      "turn/completed(completed)",
    ]);
    expectSequence(
      messages,
      ["turn/started", "REQ item/commandExecution/requestApproval", "turn/completed(completed)"],
      {
        threadId: "t1",
        turnId: "u1",
        ignore: ["thread/started"],
      },
    );
    expectSequence(messages, ["turn/started", "turn/completed(completed)"], { partial: true });
  });

  it("fails with the actual sequence in the message", () => {
    expect(() => expectSequence(messages, ["turn/started"])).toThrow();
    expect(() =>
      expectSequence(messages, ["turn/completed(completed)", "turn/started"], { partial: true }),
    ).toThrow(/lacks "turn\/started" after \["turn\/completed\(completed\)"\]; got/);
  });
});
