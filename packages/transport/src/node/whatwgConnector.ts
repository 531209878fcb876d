import { CodexConnectionError } from "../errors/connectionErrors.js";
import { CodexTransportError, ConnectionClosedError } from "../errors/localErrors.js";
import type { SocketConnection, SocketConnector } from "./socketConnection.js";

/** The part of the WHATWG `WebSocket` we use. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `any`: the DOM's `WebSocket` types each listener by event name; only `any` lets it fit as it is.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  addEventListener(type: string, listener: (event: any) => void): void;
}

/**
 * A WHATWG-style `WebSocket` constructor (browsers, Deno, Bun, undici): a browser's `WebSocket`
 * fits as it is. When a token is set it is called as `new WebSocketImpl(url, { headers })`, which
 * Bun and undici (Node's global WebSocket) accept and browsers refuse.
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The same constructor, called with the options object that Bun and undici take. */
type WebSocketWithHeaders = new (url: string, options: { headers: Record<string, string> }) => WebSocketLike;

export interface WhatwgConnectorOptions {
  url: string;
  label: string;
  headers: Record<string, string> | undefined;
  handshakeTimeoutMs: number;
}

const POLL_MS = 10;
const LOW_WATER_MARK = 1024 * 1024;

interface CloseEventLike {
  code: number;
  reason: string;
}

/**
 * Connects with an injected WHATWG WebSocket. Such sockets tell nothing about why a connection
 * failed (no HTTP status, no errno), so every failure is a {@link CodexConnectionError}; a refused
 * token cannot be told apart from an unreachable server.
 */
export function whatwgConnector(
  Impl: WebSocketConstructor,
  options: WhatwgConnectorOptions,
): SocketConnector {
  return (events, signal) =>
    new Promise<SocketConnection>((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = options.headers
          ? new (Impl as unknown as WebSocketWithHeaders)(options.url, { headers: options.headers })
          : new Impl(options.url);
      } catch (cause) {
        const hint = options.headers
          ? "; this WebSocket implementation cannot send headers (browsers cannot), and the app-server" +
            " reads the token only from the Authorization header"
          : "";
        reject(
          new CodexConnectionError(`${options.label}: could not create the WebSocket${hint}`, { cause }),
        );
        return;
      }
      socket.binaryType = "arraybuffer";
      let opened = false;
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        reject(error);
        socket.close();
      };
      const timer = setTimeout(
        () =>
          fail(
            new CodexConnectionError(
              `${options.label}: no WebSocket handshake within ${options.handshakeTimeoutMs} ms`,
              {
                errno: "ETIMEDOUT",
              },
            ),
          ),
        options.handshakeTimeoutMs,
      );
      const onAbort = () =>
        fail(new ConnectionClosedError(`${options.label}: closed before the connection was established`));
      signal.addEventListener("abort", onAbort, { once: true });

      socket.addEventListener("open", () => {
        if (settled) return;
        settled = true;
        opened = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve({
          send: (text) => {
            socket.send(text);
            return drained(socket);
          },
          close: (code, reason) => socket.close(code, reason),
          terminate: () => socket.close(),
          get bufferedAmount() {
            return socket.bufferedAmount;
          },
        });
      });
      socket.addEventListener("message", (event: { data: unknown }) => {
        if (typeof event.data === "string") events.onText(event.data);
        else events.onBinary((event.data as ArrayBuffer).byteLength ?? 0);
      });
      socket.addEventListener("error", () => {
        if (opened) events.onError(new CodexTransportError(`${options.label}: WebSocket error`));
      });
      socket.addEventListener("close", (event: CloseEventLike) => {
        if (opened) {
          events.onClose(event.code, event.reason);
          return;
        }
        fail(new CodexConnectionError(`${options.label}: could not connect (close code ${event.code})`));
      });
    });
}

function drained(socket: WebSocketLike): Promise<void> {
  if (socket.bufferedAmount <= LOW_WATER_MARK) return Promise.resolve();
  // WHATWG sockets have no drain event: poll.
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (socket.readyState > 1) reject(new Error("the WebSocket closed before the message was sent"));
      else if (socket.bufferedAmount <= LOW_WATER_MARK) resolve();
      else setTimeout(check, POLL_MS);
    };
    setTimeout(check, POLL_MS);
  });
}
