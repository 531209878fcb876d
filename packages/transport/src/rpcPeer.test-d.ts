import type { JsonRpcNotification } from "@codex-app-server/protocol";
import { describe, expectTypeOf, it } from "vitest";
import { InMemoryTransport } from "./inMemoryTransport.js";
import { RpcPeer } from "./rpcPeer.js";

interface OutRequests {
  "thread/start": { params: { model: string }; result: { threadId: string } };
  "account/read": { params: undefined; result: { email: string | null } };
}
interface InRequests {
  "item/approve": { params: { command: string }; result: { decision: "accept" | "decline" } };
}
interface OutNotifications {
  initialized: undefined;
  "client/said": { text: string };
}
interface InNotifications {
  "turn/started": { turnId: string };
}

const [transport] = InMemoryTransport.createLinkedPair();
const peer = new RpcPeer<OutRequests, InRequests, OutNotifications, InNotifications>({ transport });

describe("RpcPeer types", () => {
  it("types a request's params and result from its method", () => {
    expectTypeOf(peer.request("thread/start", { model: "m" })).resolves.toEqualTypeOf<{ threadId: string }>();
    expectTypeOf(peer.request("account/read")).resolves.toEqualTypeOf<{ email: string | null }>();
    // @ts-expect-error params are required for thread/start
    void peer.request("thread/start");
    // @ts-expect-error wrong params
    void peer.request("thread/start", { model: 1 });
    // @ts-expect-error unknown method
    void peer.request("no/such/method", {});
    expectTypeOf(peer.requestUntyped("no/such/method", {})).resolves.toBeUnknown();
  });

  it("types handlers from the incoming request map", () => {
    peer.setRequestHandler("item/approve", (params, context) => {
      expectTypeOf(params).toEqualTypeOf<{ command: string }>();
      expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
      return { decision: "accept" };
    });
    peer.setRequestHandler("item/approve", async () => ({ decision: "decline" as const }));
    // @ts-expect-error the result must match the map
    peer.setRequestHandler("item/approve", () => ({ decision: "maybe" }));
    // @ts-expect-error not a request the other side sends
    peer.setRequestHandler("thread/start", () => ({ threadId: "t" }));
  });

  it("types notifications both ways", () => {
    void peer.notify("initialized");
    void peer.notify("client/said", { text: "hi" });
    // @ts-expect-error params required
    void peer.notify("client/said");
    peer.onNotification((message) => expectTypeOf(message).toEqualTypeOf<JsonRpcNotification>());
    peer.onNotification("turn/started", (params) => expectTypeOf(params).toEqualTypeOf<{ turnId: string }>());
    // @ts-expect-error not a notification the other side sends
    peer.onNotification("client/said", () => {});
  });

  it("defaults to untyped maps", () => {
    const untyped = new RpcPeer({ transport });
    expectTypeOf(untyped.request("anything", { a: 1 })).resolves.toBeUnknown();
    void untyped.request("anything");
    void untyped.notify("anything", 1);
  });
});
