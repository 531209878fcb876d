import { realpathSync } from "node:fs";
import { connect } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../jsonLineDecoder.js";
import { type KeepAliveOptions, keepAliveSettings } from "./keepAlive.js";
import { MessageSocketTransport } from "./messageSocketTransport.js";
import { wsConnector } from "./wsConnector.js";

export interface UnixSocketTransportOptions extends KeepAliveOptions {
  /**
   * The control socket. Default: `<codexHome>/app-server-control/app-server-control.sock`, what
   * `codex app-server --listen unix://` creates.
   */
  socketPath?: string;
  /** Default: `CODEX_HOME`, else `~/.codex`. Only used to find the default socket. */
  codexHome?: string;
  /** Time allowed for connecting and the upgrade. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Largest accepted incoming message in bytes; past it the connection closes (1009). Default 64 MiB. */
  maxPayload?: number;
  /** How long `close()` waits for the closing handshake before dropping the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
}

/** Where `codex app-server --listen unix://` puts its socket for a given CODEX_HOME. */
export function defaultControlSocketPath(codexHome?: string): string {
  const home = codexHome ?? process.env.CODEX_HOME ?? join(homedir(), ".codex");
  return join(home, "app-server-control", "app-server-control.sock");
}

/**
 * Connects to the app-server's Unix control socket (`--listen unix://` or `unix://PATH`). The
 * server speaks WebSocket there too (an HTTP upgrade, then one JSON-RPC message per text frame),
 * with no authentication: the socket file is mode 0600.
 */
export class UnixSocketTransport extends MessageSocketTransport {
  readonly socketPath: string;

  constructor(options: UnixSocketTransportOptions = {}) {
    const socketPath = options.socketPath ?? defaultControlSocketPath(options.codexHome);
    const label = `unix:${socketPath}`;
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_MESSAGE_BYTES;
    super({
      label,
      connect: (events, signal) =>
        wsConnector({
          url: "ws://localhost/",
          // The server symlinks long socket paths to a short one; connect(2) limits paths to ~104 bytes.
          createConnection: () => connect({ path: shortestPath(socketPath) }),
          label,
          headers: {},
          handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
          maxPayload,
          secrets: [],
          sentToken: false,
        })(events, signal),
      closeTimeoutMs: options.closeTimeoutMs ?? 2000,
      maxMessageBytes: maxPayload,
      secrets: [],
      keepAlive: keepAliveSettings(options),
    });
    this.socketPath = socketPath;
  }
}

function shortestPath(path: string): string {
  try {
    const real = realpathSync(path);
    return real.length < path.length ? real : path;
  } catch {
    return path;
  }
}
