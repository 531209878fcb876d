// Type-checked in a strict project (skipLibCheck off) with moduleResolution nodenext, bundler and
// node10: every entry of every package resolves, with its types.
import type { ChatResult, ConnectOptions, WebSocketConnectOptions } from "@codex-app-server/client";
import { CodexClient, CodexTurnFailedError } from "@codex-app-server/client";
import type { StdioConnectOptions } from "@codex-app-server/client/node";
import { connectStdio } from "@codex-app-server/client/node";
import type { ThreadStartResponse } from "@codex-app-server/protocol";
import { createValidator, loadSchemas, SUPPORTED_CODEX_RANGE } from "@codex-app-server/protocol";
import { fakeAppServerCommand, startFakeAppServer, step } from "@codex-app-server/testing";
import { expectSequence, useFakeAppServer } from "@codex-app-server/testing/vitest";
import type { ClientPeer, Transport } from "@codex-app-server/transport";
import { InMemoryTransport, RpcPeer } from "@codex-app-server/transport";
import { StdioTransport } from "@codex-app-server/transport/stdio";
import { UnixSocketTransport } from "@codex-app-server/transport/unix";
import { WebSocketTransport } from "@codex-app-server/transport/websocket";

export const entries = [
  CodexClient,
  CodexTurnFailedError,
  connectStdio,
  createValidator,
  loadSchemas,
  InMemoryTransport,
  RpcPeer,
  StdioTransport,
  UnixSocketTransport,
  WebSocketTransport,
  fakeAppServerCommand,
  startFakeAppServer,
  step,
  expectSequence,
  useFakeAppServer,
];

export const range: string = SUPPORTED_CODEX_RANGE.newest;

export async function firstAnswer(transport: Transport): Promise<string> {
  const client = new CodexClient(transport);
  try {
    await client.initialize();
    const result: ChatResult = await client.chatOnce("hi");
    return result.finalText;
  } finally {
    await client.close();
  }
}

export function optionsTypes(
  stdio: StdioConnectOptions,
  ws: WebSocketConnectOptions,
  connect: ConnectOptions,
  thread: ThreadStartResponse,
  peer: ClientPeer,
): unknown[] {
  return [stdio.command, ws.url, connect.connectTimeoutMs, thread.thread.id, peer];
}
