/**
 * The contract between a message-socket transport and the WebSocket library under it (`ws` in
 * Node, or a WHATWG `WebSocket`). One text frame is one message.
 */
export interface SocketEvents {
  onText(text: string): void;
  onBinary(byteLength: number): void;
  /** A non-fatal error after the connection opened; `onClose` follows if it was fatal. */
  onError(error: Error): void;
  /** Fires exactly once, after the connection opened. */
  onClose(code: number, reason: string, error?: Error): void;
  /** The answer to a `ping()`. */
  onPong(): void;
}

export interface SocketConnection {
  /** Resolves when the frame has been handed to the OS (or, for WHATWG sockets, once `bufferedAmount` is low). */
  send(text: string): Promise<void>;
  /** Start the closing handshake. */
  close(code: number, reason: string): void;
  /** Drop the connection without a handshake. */
  terminate(): void;
  /** Send a ping frame; missing when the library cannot (WHATWG sockets). */
  ping?(): void;
  readonly bufferedAmount: number;
}

/**
 * Opens a connection. Rejects with a typed error (`CodexConnectionError`,
 * `CodexAuthenticationError`, or `ConnectionClosedError` when `signal` aborted it) after the
 * underlying socket is fully torn down.
 */
export type SocketConnector = (events: SocketEvents, signal: AbortSignal) => Promise<SocketConnection>;

/** Replace every occurrence of each secret with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join("***");
  }
  return out;
}
