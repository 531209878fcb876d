/** The README's examples, kept compiling. */
import { expectTypeOf, test } from "vitest";
import {
  type AgentMessageDeltaNotification,
  type ClientRequestMap,
  type ClientRequestMethod,
  type CommandExecutionRequestApprovalParams,
  createValidator,
  NO_ROUTE,
  routeOf,
  type ServerNotificationMap,
  type ServerRequestMap,
  type Thread,
  type ThreadStartResponse,
} from "../src/index.js";

test("method maps", () => {
  type StartResult = ClientRequestMap["thread/start"]["result"]; // ThreadStartResponse
  const thread: StartResult["thread"] extends Thread ? true : false = true;

  type Delta = ServerNotificationMap["item/agentMessage/delta"]; // AgentMessageDeltaNotification
  type Approval = ServerRequestMap["item/commandExecution/requestApproval"]; // { params; result }

  // A typed request function over the map.
  const request = <M extends ClientRequestMethod>(
    _method: M,
    _params: ClientRequestMap[M]["params"],
  ): Promise<ClientRequestMap[M]["result"]> => Promise.reject(new Error("not connected"));

  expectTypeOf(thread).toEqualTypeOf<true>();
  expectTypeOf<StartResult>().toEqualTypeOf<ThreadStartResponse>();
  expectTypeOf<Delta>().toEqualTypeOf<AgentMessageDeltaNotification>();
  expectTypeOf<Approval["params"]>().toEqualTypeOf<CommandExecutionRequestApprovalParams>();
  expectTypeOf(request("thread/start", { cwd: "/work" })).resolves.toEqualTypeOf<ThreadStartResponse>();
  // @ts-expect-error thread/start params have no field named `directory`
  request("thread/start", { directory: 1 });
  request("account/logout", undefined);
});

test("validation", () => {
  const validator = createValidator({ mode: "strict", side: "client" });
  const checked = validator.notification("item/agentMessage/delta", {
    threadId: "thr_1",
    turnId: "turn_1",
    itemId: "msg_1",
    delta: 42,
  });
  if (!checked.ok) {
    expectTypeOf(checked.error.method).toEqualTypeOf<string>();
    expectTypeOf(checked.error.issues[0]!.path).toEqualTypeOf<ReadonlyArray<string | number>>();
  }
});

test("routing", () => {
  expectTypeOf(routeOf("turn/started", { threadId: "thr_1", turn: { id: "turn_1" } }).turnId).toEqualTypeOf<
    string | undefined
  >();
  expectTypeOf(routeOf("configWarning", { summary: "..." }) === NO_ROUTE).toEqualTypeOf<boolean>();
});
