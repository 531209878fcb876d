/**
 * Every entry of every published package, by where it runs. A runtime-neutral entry must bundle for a
 * browser with no Node built-in; a Node-only entry may use them. A new entry in an `exports` map
 * fails the check until it is listed here.
 */
export const RUNTIME_NEUTRAL_ENTRIES = [
  "@codex-app-server/protocol",
  "@codex-app-server/protocol/schemas",
  "@codex-app-server/protocol/errors",
  "@codex-app-server/transport",
  // In a browser, with `WebSocketImpl: WebSocket` (the `ws` package maps to its browser stub).
  "@codex-app-server/transport/websocket",
  "@codex-app-server/client",
] as const;

export const NODE_ONLY_ENTRIES = [
  "@codex-app-server/transport/stdio",
  "@codex-app-server/transport/unix",
  "@codex-app-server/client/node",
  // The testing kit spawns servers and listens on sockets: Node only, the whole package.
  "@codex-app-server/testing",
  "@codex-app-server/testing/vitest",
] as const;

/** The published packages, as folders under `packages/`. */
export const PUBLISHED_PACKAGES = ["protocol", "transport", "client", "testing"] as const;
