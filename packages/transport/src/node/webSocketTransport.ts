import { CodexConnectionError, CodexInsecureConnectionError } from "../errors/connectionErrors.js";
import { CodexTransportError } from "../errors/localErrors.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../jsonLineDecoder.js";
import { type KeepAliveOptions, keepAliveSettings } from "./keepAlive.js";
import { isLoopbackHostname } from "./loopback.js";
import { MessageSocketTransport } from "./messageSocketTransport.js";
import type { SocketConnector } from "./socketConnection.js";
import { type WebSocketConstructor, whatwgConnector } from "./whatwgConnector.js";
import { wsConnector } from "./wsConnector.js";

export interface WebSocketTransportOptions extends KeepAliveOptions {
  /** Default: `CODEX_APP_SERVER_WS_URL`, else `ws://127.0.0.1:8765`. */
  url?: string;
  /** Bearer token sent as `Authorization: Bearer <token>`. Default: `CODEX_APP_SERVER_TOKEN`. */
  token?: string;
  /** Extra upgrade headers. `Origin` is refused: the app-server answers 403 to it. */
  headers?: Record<string, string>;
  /**
   * A WHATWG `WebSocket` constructor to use instead of the `ws` package (browsers, Deno, Bun).
   * With a token it is called as `new WebSocketImpl(url, { headers })`; see the README for what
   * that means in a browser.
   */
  WebSocketImpl?: WebSocketConstructor;
  /** Time allowed for connecting and the upgrade. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Largest accepted incoming message in bytes; `ws` closes the connection (1009) past it. Default 64 MiB. */
  maxPayload?: number;
  /** Allow plain `ws://` to a host that is not loopback (the token would travel in clear text). */
  allowInsecure?: boolean;
  /** How long `close()` waits for the closing handshake before dropping the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
}

export const DEFAULT_WEBSOCKET_URL = "ws://127.0.0.1:8765";
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

/**
 * Connects to `codex app-server --listen ws://IP:PORT`. Every text frame is one JSON-RPC message.
 * `start()` rejects with `CodexAuthenticationError` on HTTP 401, `CodexConnectionError` when the
 * server cannot be reached, `CodexInsecureConnectionError` for clear-text `ws://` to another host.
 * The token never appears in the label, in errors or in close reasons.
 */
export class WebSocketTransport extends MessageSocketTransport {
  constructor(options: WebSocketTransportOptions = {}) {
    const env = typeof process === "undefined" ? {} : process.env;
    const rawUrl = options.url ?? env.CODEX_APP_SERVER_WS_URL ?? DEFAULT_WEBSOCKET_URL;
    const token = options.token ?? env.CODEX_APP_SERVER_TOKEN;
    const headers: Record<string, string> = { ...options.headers };
    const secrets = [token, headerValue(headers, "authorization")?.replace(/^bearer\s+/i, "")].filter(
      (secret): secret is string => typeof secret === "string" && secret.length > 0,
    );

    let url: URL | undefined;
    let invalid: Error | undefined;
    try {
      url = new URL(rawUrl);
    } catch (cause) {
      invalid = new CodexConnectionError("invalid WebSocket URL", { cause: redactCause(cause) });
    }
    const label = url ? labelOf(url) : "ws:<invalid url>";
    if (url && !invalid) invalid = checkUrl(url, label, options, headers);
    if (token) {
      for (const key of Object.keys(headers)) if (key.toLowerCase() === "authorization") delete headers[key];
      headers.Authorization = `Bearer ${token}`;
    }

    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_MESSAGE_BYTES;
    let connect: SocketConnector;
    if (invalid) {
      const error = invalid;
      connect = () => Promise.reject(error);
    } else if (options.WebSocketImpl) {
      connect = whatwgConnector(options.WebSocketImpl, {
        url: rawUrl,
        label,
        headers: Object.keys(headers).length > 0 ? headers : undefined,
        handshakeTimeoutMs,
      });
    } else {
      connect = wsConnector({
        url: rawUrl,
        label,
        headers,
        handshakeTimeoutMs,
        maxPayload,
        secrets,
        sentToken: headerValue(headers, "authorization") !== undefined,
      });
    }
    super({
      label,
      connect,
      closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
      maxMessageBytes: maxPayload,
      secrets,
      keepAlive: keepAliveSettings(options),
    });
  }
}

function checkUrl(
  url: URL,
  label: string,
  options: WebSocketTransportOptions,
  headers: Record<string, string>,
): Error | undefined {
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    return new CodexConnectionError(`${label}: the URL must start with ws:// or wss://`);
  }
  if (url.protocol === "ws:" && !options.allowInsecure && !isLoopbackHostname(url.hostname)) {
    return new CodexInsecureConnectionError(
      `${label}: refusing clear-text ws:// to a host that is not loopback; use wss://, an SSH tunnel, ` +
        "or pass allowInsecure: true",
    );
  }
  if (headerValue(headers, "origin") !== undefined) {
    return new CodexTransportError(
      `${label}: do not set an Origin header; the app-server answers 403 to it`,
      {
        code: "invalid_option",
      },
    );
  }
  return undefined;
}

/** `ws://host:port/path`: no user info, no query, no fragment, where secrets could hide. */
function labelOf(url: URL): string {
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.protocol}//${url.host}${path}`;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** `new URL` puts the whole input, secrets and all, in its message. */
function redactCause(cause: unknown): Error {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new TypeError(`the URL could not be parsed${typeof code === "string" ? ` (${code})` : ""}`);
}
