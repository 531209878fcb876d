import type {
  ClientNotificationMap,
  ClientRequestMap,
  ServerNotificationMap,
  ServerRequestMap,
} from "@codex-app-server/protocol";
import type { RpcPeer } from "./rpcPeer.js";

/** The client's end: sends client requests, answers server requests, receives server notifications. */
export type ClientPeer = RpcPeer<
  ClientRequestMap,
  ServerRequestMap,
  ClientNotificationMap,
  ServerNotificationMap
>;
/** A (fake) server's end: the reverse. */
export type ServerPeer = RpcPeer<
  ServerRequestMap,
  ClientRequestMap,
  ServerNotificationMap,
  ClientNotificationMap
>;
