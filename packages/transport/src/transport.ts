import type { JsonRpcMessage } from "@codex-app-server/protocol";

/** Why a transport closed, passed to `onclose`. */
export interface TransportCloseInfo {
  /** Human-readable reason: "closed by client", "process exited with code 1", "socket closed (1006)". */
  reason: string;
  /** Process exit code, when the transport ran a child process. */
  exitCode?: number | null;
  /** Signal that ended the child process, if any. */
  signal?: string | null;
  /** WebSocket close code, when relevant. */
  closeCode?: number;
  /** The last lines the server wrote to stderr, when known. */
  stderrTail?: string;
  /** The error that ended the transport, if it ended badly. */
  error?: Error;
}

/**
 * Moves JSON-RPC messages; nothing else. Set the callbacks, then call `start()`: messages that
 * arrive before the callbacks are installed are kept until `start()` and delivered then.
 * `onclose` fires exactly once, also after our own `close()`.
 */
export interface Transport {
  start(): Promise<void>;
  /** Resolves when the message has been written (after `drain` when the pipe was full). */
  send(message: JsonRpcMessage): Promise<void>;
  close(): Promise<void>;
  onmessage?: (message: JsonRpcMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: TransportCloseInfo) => void;
  /**
   * Optional, for transports that can connect again (websocket, unix socket): set by whoever wants to
   * reconnect. When it is set and the connection drops on its own, this fires instead of `onclose`,
   * `send` refuses with `CodexConnectionLostError`, and the transport waits for `reopen()` or `close()`.
   */
  ondisconnect?: (info: TransportCloseInfo) => void;
  /**
   * Optional: connects again after `ondisconnect` (or `disconnect()`). Rejects (and stays disconnected)
   * when the server cannot be reached; `signal` abandons the attempt.
   */
  reopen?(signal?: AbortSignal): Promise<void>;
  /**
   * Optional, beside `reopen`: drops the connection that is up now, quietly (neither `ondisconnect` nor
   * `onclose`: the caller knows); what waits to be sent on it fails, and the transport waits for
   * `reopen()` or `close()`. For a reconnection whose later step (the handshake, resuming) failed on
   * the new connection, so that the next attempt starts on a fresh one. Does nothing unless open.
   */
  disconnect?(): void;
  /** Optional: a short label for logs and errors ("stdio:codex", "ws://127.0.0.1:8765"). Never holds a secret. */
  readonly label?: string;
}
