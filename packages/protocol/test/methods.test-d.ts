import { describe, expectTypeOf, test } from "vitest";
import {
  type AgentMessageDeltaNotification,
  type CLIENT_REQUEST_METHODS,
  type ClientNotificationMap,
  type ClientRequestMap,
  type ClientRequestMethod,
  type ClientRequestParams,
  type ClientRequestResult,
  type CommandExecutionRequestApprovalParams,
  createValidator,
  type GetAccountRateLimitsParams,
  type MessageRoute,
  type MessageValidator,
  routeOf,
  type SERVER_NOTIFICATION_METHODS,
  type ServerNotificationMap,
  type ServerNotificationMethod,
  type ServerRequestMap,
  type Thread,
  type ThreadItem,
  type ThreadStartParams,
  type ThreadStartResponse,
  type TurnStartParams,
} from "../src/index.js";

describe("typed method maps", () => {
  test("a request's params and result come from its method", () => {
    expectTypeOf<ClientRequestMap["thread/start"]["params"]>().toEqualTypeOf<ThreadStartParams>();
    expectTypeOf<ClientRequestMap["thread/start"]["result"]>().toEqualTypeOf<ThreadStartResponse>();
    expectTypeOf<ClientRequestResult<"thread/start">["thread"]>().toEqualTypeOf<Thread>();
    expectTypeOf<ClientRequestParams<"turn/start">>().toEqualTypeOf<TurnStartParams>();
  });

  test("methods without params take none, or an optional nullable object", () => {
    expectTypeOf<ClientRequestMap["account/logout"]["params"]>().toEqualTypeOf<null | undefined>();
    expectTypeOf<ClientRequestMap["account/rateLimits/read"]["params"]>().toEqualTypeOf<
      GetAccountRateLimitsParams | null | undefined
    >();
    expectTypeOf<ClientNotificationMap["initialized"]>().toEqualTypeOf<undefined>();
  });

  test("notifications and server requests are keyed by method", () => {
    expectTypeOf<
      ServerNotificationMap["item/agentMessage/delta"]
    >().toEqualTypeOf<AgentMessageDeltaNotification>();
    expectTypeOf<
      ServerRequestMap["item/commandExecution/requestApproval"]["params"]
    >().toEqualTypeOf<CommandExecutionRequestApprovalParams>();
    expectTypeOf<ServerRequestMap["item/commandExecution/requestApproval"]["result"]["decision"]>().toExtend<
      "accept" | "decline" | "cancel" | "acceptForSession" | object
    >();
  });

  test("method lists are `as const` and cover exactly the map keys", () => {
    expectTypeOf<(typeof CLIENT_REQUEST_METHODS)[number]>().toEqualTypeOf<ClientRequestMethod>();
    expectTypeOf<(typeof SERVER_NOTIFICATION_METHODS)[number]>().toEqualTypeOf<ServerNotificationMethod>();
    expectTypeOf<"thread/start">().toExtend<ClientRequestMethod>();
    expectTypeOf<"no/such/method">().not.toExtend<ClientRequestMethod>();
  });

  test("thread items narrow by their type tag", () => {
    type AgentMessage = Extract<ThreadItem, { type: "agentMessage" }>;
    expectTypeOf<AgentMessage["text"]>().toEqualTypeOf<string>();
    expectTypeOf<ThreadItem["id"]>().toEqualTypeOf<string>();
  });

  test("runtime helpers", () => {
    expectTypeOf(createValidator({ mode: "strict", side: "client" })).toEqualTypeOf<MessageValidator>();
    expectTypeOf(routeOf("turn/started", {})).toEqualTypeOf<MessageRoute>();
  });
});
