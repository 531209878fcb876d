import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import WebSocket from "ws";
import { CodexAuthenticationError, CodexConnectionError } from "../errors/connectionErrors.js";
import { ConnectionClosedError } from "../errors/localErrors.js";
import { redact, type SocketConnection, type SocketConnector } from "./socketConnection.js";

export interface WsConnectorOptions {
  /** `ws://` or `wss://`. */
  url: string;
  /** Opens the stream to speak over instead of the URL's host (a Unix socket); the URL then only gives the path. */
  createConnection?: () => Socket;
  /** Label used in error messages; never holds a secret. */
  label: string;
  headers: Record<string, string>;
  handshakeTimeoutMs: number;
  maxPayload: number;
  secrets: readonly string[];
  /** Whether a bearer token was sent, to word the 401 error. */
  sentToken: boolean;
}

const MAX_ERROR_BODY_BYTES = 512;

/** Connects with the `ws` package: headers, HTTP status of a refused upgrade, write callbacks. */
export function wsConnector(options: WsConnectorOptions): SocketConnector {
  return (events, signal) =>
    new Promise<SocketConnection>((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(options.url, {
          headers: options.headers,
          perMessageDeflate: false,
          handshakeTimeout: options.handshakeTimeoutMs,
          maxPayload: options.maxPayload,
          followRedirects: false,
          ...(options.createConnection ? { createConnection: options.createConnection as never } : {}),
        });
      } catch (cause) {
        const detail = redact(cause instanceof Error ? cause.message : String(cause), options.secrets);
        reject(new CodexConnectionError(`${options.label}: invalid WebSocket address: ${detail}`));
        return;
      }
      let opened = false;
      let connectError: Error | undefined;
      let lastError: Error | undefined;
      let response: { status: number; body: string } | undefined;

      const onAbort = () => ws.terminate();
      signal.addEventListener("abort", onAbort, { once: true });

      ws.on("unexpected-response", (_request, res: IncomingMessage) => {
        response = { status: res.statusCode ?? 0, body: "" };
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          if (response)
            response.body = Buffer.concat(chunks).toString("utf8").slice(0, MAX_ERROR_BODY_BYTES).trim();
          ws.terminate();
        };
        res.on("data", (chunk: Buffer) => {
          if (size < MAX_ERROR_BODY_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_ERROR_BODY_BYTES) done();
        });
        res.on("end", done);
        res.on("error", done);
      });
      ws.on("open", () => {
        opened = true;
        signal.removeEventListener("abort", onAbort);
        resolve({
          send: (text) =>
            new Promise<void>((done, fail) => {
              ws.send(text, (error) => (error ? fail(error) : done()));
            }),
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
          ping: () => ws.ping(),
          get bufferedAmount() {
            return ws.bufferedAmount;
          },
        });
      });
      ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
        if (isBinary) events.onBinary(byteLengthOf(data));
        else events.onText(data.toString());
      });
      ws.on("pong", () => events.onPong());
      ws.on("error", (error: Error) => {
        if (!opened) connectError = error;
        else {
          lastError = error;
          events.onError(error);
        }
      });
      ws.on("close", (code: number, reason: Buffer) => {
        if (opened) {
          events.onClose(code, reason.toString("utf8"), lastError);
          return;
        }
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) {
          reject(new ConnectionClosedError(`${options.label}: closed before the connection was established`));
        } else {
          reject(connectFailure(options, connectError, response));
        }
      });
    });
}

function connectFailure(
  options: WsConnectorOptions,
  error: Error | undefined,
  response: { status: number; body: string } | undefined,
): Error {
  const where = options.label;
  if (response) {
    const said = response.body ? `: ${redact(response.body, options.secrets)}` : "";
    if (response.status === 401) {
      const hint = options.sentToken
        ? "the server refused the bearer token"
        : "the server wants a bearer token; pass `token` or set CODEX_APP_SERVER_TOKEN";
      return new CodexAuthenticationError(`${where}: ${hint} (HTTP 401${said})`, { statusCode: 401 });
    }
    const hint =
      response.status === 403
        ? "; the app-server answers 403 to upgrade requests that carry an Origin header"
        : "";
    return new CodexConnectionError(
      `${where}: the server answered the WebSocket upgrade with HTTP ${response.status}${said}${hint}`,
      { statusCode: response.status },
    );
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const cause = error;
  switch (errno) {
    case "ECONNREFUSED":
      return new CodexConnectionError(`${where}: connection refused; is an app-server listening there?`, {
        cause,
        errno,
      });
    case "ENOENT":
      return new CodexConnectionError(`${where}: no socket at that path; is the app-server running?`, {
        cause,
        errno,
      });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new CodexConnectionError(`${where}: host not found (${errno})`, { cause, errno });
    default:
      break;
  }
  if (error?.message.includes("handshake has timed out")) {
    return new CodexConnectionError(
      `${where}: no WebSocket handshake within ${options.handshakeTimeoutMs} ms`,
      { cause, errno: "ETIMEDOUT" },
    );
  }
  const detail = error
    ? redact(error.message, options.secrets)
    : "the connection closed during the handshake";
  return new CodexConnectionError(`${where}: could not connect: ${detail}`, { cause, errno });
}

function byteLengthOf(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}
