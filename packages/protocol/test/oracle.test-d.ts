/**
 * Our generated types held against the server's own TypeScript bindings (`codex app-server
 * generate-ts`, written to test/fixtures/generated/ by scripts/prepare-type-tests.ts before the tests).
 *
 * Two directions are asserted, for all 754 types both sides define:
 *
 * 1. Nothing the server sends is rejected by our types: `Wire<Oracle[X]>` is assignable to `Ours[X]`.
 *    `Wire` only undoes two ts-rs spellings that JSON cannot carry: i64/u64 as `bigint` (they arrive
 *    as numbers), and map values typed `V | undefined` (ts-rs writes `HashMap<K, V>` as
 *    `{ [key in K]?: V }`; a JSON object has no undefined values, so ours are `V`).
 *
 * 2. Our types are no looser than the server's beyond what the JSON Schema says: `Ours[X]` is
 *    assignable to `Loose<Oracle[X]>`, where `Loose` makes every property optional and nullable
 *    (the schema marks fields with serde defaults as optional and nullable where ts-rs writes them as
 *    always present), reads ts-rs's `JsonValue` as `unknown` (the schema says "any value"), and reads
 *    `Record<string, never>` as "any object" (the schema writes an empty struct as `{ type: "object" }`,
 *    which accepts any object).
 *
 * Where the two must differ, the expected differences are listed by name with the reason; the lists
 * are compared for equality, so a new mismatch fails, and so does one that disappears.
 */
import { describe, expectTypeOf, test } from "vitest";
import type {
  AskForApproval,
  ClientRequestMap,
  ClientRequestMethod,
  SandboxPolicy,
  ServerNotificationMap,
  ServerNotificationMethod,
  ServerRequestMap,
  ServerRequestMethod,
  Thread,
  ThreadItem,
  ThreadStartResponse,
  Turn,
  TurnStartResponse,
  TurnStatus,
  UserInput,
} from "../src/index.js";
import type {
  OracleClientRequest,
  OracleJsonValue,
  OracleServerNotification,
  OracleServerRequest,
  OracleTypes,
  OurTypes,
} from "./fixtures/generated/oracleMap.js";

type Wire<T> = T extends bigint
  ? number
  : T extends readonly (infer E)[]
    ? Wire<E>[]
    : T extends object
      ? { [K in keyof T]: string extends K ? Wire<Exclude<T[K], undefined>> : Wire<T[K]> }
      : T;

type IsJsonValue<T> = [T] extends [OracleJsonValue] ? ([OracleJsonValue] extends [T] ? true : false) : false;
type IsEmptyRecord<T> = string extends keyof T ? ([T[string]] extends [never] ? true : false) : false;

type Loose<T> =
  IsJsonValue<T> extends true
    ? unknown
    : T extends bigint
      ? number
      : T extends readonly (infer E)[]
        ? Loose<E>[]
        : T extends object
          ? IsEmptyRecord<T> extends true
            ? { [key: string]: unknown }
            : { [K in keyof T]?: Loose<Exclude<T[K], undefined>> | null }
          : T;

type ForwardMismatches = {
  [K in keyof OracleTypes]: Wire<OracleTypes[K]> extends OurTypes[K] ? never : K;
}[keyof OracleTypes];

type ReverseMismatches = {
  [K in keyof OracleTypes]: OurTypes[K] extends Loose<OracleTypes[K]> ? never : K;
}[keyof OracleTypes];

/**
 * Where the server's JSON Schema (our source) and its ts-rs bindings disagree:
 * - ClientRequest: ts-rs also lists the deprecated v1 methods getConversationSummary, gitDiffToRemote
 *   and getAuthStatus, which the JSON Schema no longer has.
 * - ServerNotification: ts-rs also lists rawResponseItem/completed and rawResponse/completed, which the
 *   JSON Schema's notification union leaves out.
 * - ThreadRealtimeItem (and the four types containing it): its `bemItemPromoted` variant has
 *   `item_id`/`turn_id` in the JSON Schema but `itemId`/`turnId` in ts-rs. The JSON Schema comes from
 *   schemars, which follows serde's attributes, so it is what goes over the wire.
 */
type ExpectedForwardMismatches =
  | "ClientRequest"
  | "ServerNotification"
  | "ThreadRealtimeEntry"
  | "ThreadRealtimeItem"
  | "ThreadRealtimeItemCompletedNotification"
  | "ThreadRealtimeItemStartedNotification"
  | "ThreadTimelineEntry";

/**
 * AppLinksConfig and AppToolsConfig are maps whose JSON Schema is a bare `{ type: "object" }` (the
 * value type is lost), so ours accept any object where ts-rs knows the value type.
 */
type ExpectedReverseMismatches = "AppLinksConfig" | "AppToolsConfig";

describe("every type both sides define", () => {
  test("accepts every value the server's own types allow", () => {
    expectTypeOf<ForwardMismatches>().toEqualTypeOf<ExpectedForwardMismatches>();
  });

  test("is no looser than the server's own type", () => {
    expectTypeOf<ReverseMismatches>().toEqualTypeOf<ExpectedReverseMismatches>();
  });
});

describe("the types a client handles most", () => {
  test("Thread, Turn, ThreadItem, UserInput, SandboxPolicy and AskForApproval hold both ways", () => {
    expectTypeOf<Wire<OracleTypes["Thread"]>>().toExtend<Thread>();
    expectTypeOf<Thread>().toExtend<Loose<OracleTypes["Thread"]>>();
    expectTypeOf<Wire<OracleTypes["Turn"]>>().toExtend<Turn>();
    expectTypeOf<Turn>().toExtend<Loose<OracleTypes["Turn"]>>();
    expectTypeOf<Wire<OracleTypes["ThreadItem"]>>().toExtend<ThreadItem>();
    expectTypeOf<ThreadItem>().toExtend<Loose<OracleTypes["ThreadItem"]>>();
    expectTypeOf<Wire<OracleTypes["UserInput"]>>().toExtend<UserInput>();
    expectTypeOf<UserInput>().toExtend<Loose<OracleTypes["UserInput"]>>();
    expectTypeOf<Wire<OracleTypes["SandboxPolicy"]>>().toExtend<SandboxPolicy>();
    expectTypeOf<SandboxPolicy>().toExtend<Loose<OracleTypes["SandboxPolicy"]>>();
    expectTypeOf<Wire<OracleTypes["AskForApproval"]>>().toExtend<AskForApproval>();
    expectTypeOf<AskForApproval>().toExtend<Loose<OracleTypes["AskForApproval"]>>();
  });

  test("TurnStatus and the ThreadItem type tags are exactly the server's", () => {
    expectTypeOf<TurnStatus>().toEqualTypeOf<OracleTypes["TurnStatus"]>();
    expectTypeOf<ThreadItem["type"]>().toEqualTypeOf<OracleTypes["ThreadItem"]["type"]>();
    expectTypeOf<UserInput["type"]>().toEqualTypeOf<OracleTypes["UserInput"]["type"]>();
  });
});

type OracleNotificationMethod = OracleServerNotification["method"];
type OracleClientRequestMethod = OracleClientRequest["method"];
type OracleServerRequestMethod = OracleServerRequest["method"];

type ParamsOf<Union, M> = Union extends { method: M; params?: infer P } ? P : never;

describe("method maps against the server's unions", () => {
  test("server notifications: the same methods (but the two raw-response ones) and params", () => {
    expectTypeOf<Exclude<ServerNotificationMethod, OracleNotificationMethod>>().toEqualTypeOf<never>();
    // See ExpectedForwardMismatches.
    expectTypeOf<Exclude<OracleNotificationMethod, ServerNotificationMethod>>().toEqualTypeOf<
      "rawResponseItem/completed" | "rawResponse/completed"
    >();
    type Mismatched = {
      [M in ServerNotificationMethod]: Wire<
        ParamsOf<OracleServerNotification, M>
      > extends ServerNotificationMap[M]
        ? never
        : M;
    }[ServerNotificationMethod];
    // thread/realtime/item/* carry a ThreadRealtimeItem, see ExpectedForwardMismatches.
    expectTypeOf<Mismatched>().toEqualTypeOf<
      "thread/realtime/item/started" | "thread/realtime/item/completed"
    >();
  });

  test("client requests: the same methods (but three deprecated v1 ones) and params", () => {
    expectTypeOf<Exclude<ClientRequestMethod, OracleClientRequestMethod>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<OracleClientRequestMethod, ClientRequestMethod>>().toEqualTypeOf<
      "getConversationSummary" | "gitDiffToRemote" | "getAuthStatus"
    >();
    type Mismatched = {
      [M in ClientRequestMethod]: Wire<ParamsOf<OracleClientRequest, M>> extends ClientRequestMap[M]["params"]
        ? never
        : M;
    }[ClientRequestMethod];
    expectTypeOf<Mismatched>().toEqualTypeOf<never>();
  });

  test("server requests: the same methods and params", () => {
    expectTypeOf<ServerRequestMethod>().toEqualTypeOf<OracleServerRequestMethod>();
    type Mismatched = {
      [M in ServerRequestMethod]: Wire<ParamsOf<OracleServerRequest, M>> extends ServerRequestMap[M]["params"]
        ? never
        : M;
    }[ServerRequestMethod];
    expectTypeOf<Mismatched>().toEqualTypeOf<never>();
  });

  test("results resolve to the server's response types", () => {
    expectTypeOf<Wire<OracleTypes["ThreadStartResponse"]>>().toExtend<
      ClientRequestMap["thread/start"]["result"]
    >();
    expectTypeOf<ClientRequestMap["thread/start"]["result"]>().toEqualTypeOf<ThreadStartResponse>();
    expectTypeOf<ClientRequestMap["turn/start"]["result"]>().toEqualTypeOf<TurnStartResponse>();
    expectTypeOf<Wire<OracleTypes["LogoutAccountResponse"]>>().toExtend<
      ClientRequestMap["account/logout"]["result"]
    >();
    expectTypeOf<Wire<OracleTypes["CommandExecutionRequestApprovalResponse"]>>().toExtend<
      ServerRequestMap["item/commandExecution/requestApproval"]["result"]
    >();
  });
});
