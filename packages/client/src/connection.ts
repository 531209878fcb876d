import type { CodexVersion, InitializeResponse } from "@codex-app-server/protocol";
import { createValidator } from "@codex-app-server/protocol";
import type { ClientPeer, Transport, TransportCloseInfo } from "@codex-app-server/transport";
import {
  CodexAbortError,
  CodexConnectionLostError,
  ConnectionClosedError,
  RpcPeer,
} from "@codex-app-server/transport";
import type { Actor } from "xstate";
import { createActor, fromPromise } from "xstate";
import type { ClientMachine } from "./machines/clientMachine.js";
import { clientMachine } from "./machines/clientMachine.js";
import type { RequestMachineInput } from "./machines/requestMachine.js";
import { requestMachine } from "./machines/requestMachine.js";
import { threadMachine } from "./machines/threadMachine.js";
import { steerActor, turnMachine } from "./machines/turnMachine.js";
import type { CodexClientOptions } from "./options.js";
import type { ResolvedReconnectOptions } from "./reconnect.js";
import { backoffDelay, isResentRead, reconnectOptionsOf } from "./reconnect.js";
import { checkServerVersion } from "./serverVersion.js";

declare const __PACKAGE_VERSION__: string;

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** What the connection hands the rest of the client. */
export interface ConnectionHooks {
  /** The request actors' `decide` step (the server request broker). */
  decide(input: RequestMachineInput, signal: AbortSignal): Promise<unknown>;
  /** The transport closed: `error` says why; `byUs` when the client closed it. Runs before the root actor hears it. */
  closed(error: ConnectionClosedError, byUs: boolean): void;
  /** A problem the peer reported (an invalid or dropped message, a stray answer). */
  peerError(error: Error): void;
  /** A warning that stops nothing (a server version outside the supported range). */
  warning(warning: Error): void;
  /** The connection dropped and the client reconnects: running turns detach (or fail, when the server died). */
  lost(error: CodexConnectionLostError, info: TransportCloseInfo): void;
  /** Reconnected and initialized: resume the threads on the new connection (the `resuming` step). */
  resume(signal: AbortSignal): Promise<void>;
}

/**
 * The client's connection: the JSON-RPC peer, and the root actor (`clientMachine`) whose `connecting`
 * and `initializing` states invoke the transport's start and the `initialize` handshake. Provides the
 * machines' requests (`turn/interrupt`, `turn/steer`, `decide`) to the whole actor tree.
 */
export class ClientConnection {
  readonly peer: ClientPeer;
  readonly actor: Actor<ClientMachine>;
  readonly requestTimeoutMs: number | null;
  /** The server's codex-cli version, from the `initialize` response's userAgent. */
  serverVersion: CodexVersion | undefined;
  private readonly options: CodexClientOptions;
  private readonly hooks: ConnectionHooks;
  private initializing: Promise<InitializeResponse> | undefined;
  private initialized: InitializeResponse | undefined;
  /** The start or handshake step running now: its own error says best why a connection failed. */
  private startup: Promise<unknown> | undefined;
  private closing: Promise<void> | undefined;
  /** Set before the peer closes, so the close callback (which may run synchronously) knows it was ours. */
  private closeRequested = false;
  private closedWith: Error | undefined;
  /** Why reconnection gave up, once it did: the error the connection closes with. */
  private gaveUp: ConnectionClosedError | undefined;
  /** How to reconnect; `null` when the transport cannot, or `reconnect: false`. */
  readonly reconnect: ResolvedReconnectOptions | null;

  constructor(transport: Transport, options: CodexClientOptions, hooks: ConnectionHooks) {
    this.options = options;
    this.hooks = hooks;
    this.requestTimeoutMs =
      options.requestTimeoutMs === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : options.requestTimeoutMs;
    const validator = createValidator({ mode: options.validation ?? "lenient", side: "client" });
    // The guards of a turn's messages (initialize's answer is one) load while the transport connects.
    void validator.prepare?.("response", "initialize");
    this.peer = new RpcPeer({
      transport,
      validator,
      requestTimeoutMs: this.requestTimeoutMs,
      name: "codex-client",
      resendOnReconnect: isResentRead,
    }) as ClientPeer;
    this.reconnect = transport.reopen === undefined ? null : reconnectOptionsOf(options.reconnect);
    if (this.reconnect !== null) this.peer.ondisconnect = (info) => this.transportLost(info);
    this.peer.onerror = (error) => hooks.peerError(error);
    this.peer.onclose = (info) => this.transportClosed(info);
    const peer = this.peer;
    const request = requestMachine.provide({
      actors: { decide: fromPromise(({ input, signal }) => hooks.decide(input, signal)) },
    });
    const random = options.random;
    const reconnect = this.reconnect;
    const machine = clientMachine.provide({
      ...(random !== undefined && reconnect !== null
        ? { delays: { backoff: ({ context }) => backoffDelay(context.reconnectAttempt, reconnect, random) } }
        : {}),
      actors: {
        openTransport: fromPromise(() => this.guard(peer.start())),
        initialize: fromPromise(({ signal }) => this.guard(this.handshake(signal))),
        reopenTransport: fromPromise(({ signal }) => peer.reopen(signal)),
        resumeThreads: fromPromise(async ({ signal }) => {
          await hooks.resume(signal);
          peer.resendKept();
        }),
        giveUp: fromPromise(({ input }) => this.giveUp(input.attempts, input.error)),
        request,
        thread: threadMachine.provide({
          actors: {
            turn: turnMachine.provide({
              actors: {
                interruptTurn: fromPromise(({ input, signal }) =>
                  peer.request("turn/interrupt", input, { signal }),
                ),
                steerTurn: steerActor((params, signal) => peer.request("turn/steer", params, { signal })),
                request,
              },
            }),
          },
        }),
      },
    });
    this.actor = createActor(machine, {
      id: "client",
      input: { transport: transport.label ?? "transport", reconnect: this.reconnect },
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.actor.start();
  }

  /** The error the connection closed with (or the one a closed client throws), once closed. */
  get closedError(): Error | undefined {
    return this.closedWith;
  }

  /** Starts the transport and runs `initialize`/`initialized`, once; later calls get the same answer. */
  initialize(): Promise<InitializeResponse> {
    this.initializing ??= new Promise<InitializeResponse>((resolve, reject) => {
      const settle = () => {
        const snapshot = this.actor.getSnapshot();
        if (snapshot.value === "ready" && this.initialized) {
          subscription.unsubscribe();
          resolve(this.initialized);
        } else if (snapshot.status !== "active" || snapshot.value === "closing") {
          subscription.unsubscribe();
          // The transport may report its close before the failing step rejects: wait for that step.
          const closed = () => this.closedWith ?? new ConnectionClosedError("the client is closed");
          (this.startup ?? Promise.resolve()).then(() => reject(closed()), reject);
        }
      };
      const subscription = this.actor.subscribe({ next: settle, complete: settle });
      this.actor.send({ type: "connect" });
      settle();
    });
    return this.initializing;
  }

  /**
   * Throws when closed; initializes when needed; waits while the client reconnects (`signal` stops
   * that wait with `CodexAbortError`).
   */
  async ready(signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    await this.initialize();
    if (this.isReconnecting()) await this.reconnected(signal);
  }

  /** True while the connection is down and the client is reconnecting. */
  isReconnecting(): boolean {
    const snapshot = this.actor.getSnapshot();
    return snapshot.matches("reconnecting") || snapshot.matches("givingUp");
  }

  /** Settles once the client is `ready` again, or rejects once it closed or gave up. */
  private reconnected(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settled = () => {
        const snapshot = this.actor.getSnapshot();
        if (snapshot.matches("reconnecting") || snapshot.matches("givingUp")) return false;
        if (snapshot.value === "ready") resolve();
        else reject(this.closedWith ?? new ConnectionClosedError("the client is closed"));
        return true;
      };
      if (settled()) return;
      const stop = () => {
        subscription.unsubscribe();
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        stop();
        reject(
          new CodexAbortError("waiting for the client to reconnect was aborted", { cause: signal?.reason }),
        );
      };
      const subscription = this.actor.subscribe({
        next: () => settled() && stop(),
        complete: () => settled() && stop(),
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  assertOpen(): void {
    if (this.closedWith) throw this.closedWith;
    if (this.closeRequested) throw new ConnectionClosedError("the client is closed");
  }

  close(): Promise<void> {
    this.closeRequested = true;
    this.closing ??= (async () => {
      if (this.actor.getSnapshot().status === "active") this.actor.send({ type: "close" });
      await this.peer.close();
    })();
    return this.closing;
  }

  private async handshake(signal: AbortSignal): Promise<InitializeResponse> {
    const info = this.options.clientInfo ?? {
      name: "codex-app-server-sdk-ts",
      title: "Codex app-server SDK for TypeScript",
      version: typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0",
    };
    const response = await this.peer.request(
      "initialize",
      {
        clientInfo: { name: info.name, title: info.title ?? null, version: info.version },
        capabilities: {
          experimentalApi: this.options.experimentalApi ?? false,
          requestAttestation: false,
          ...(this.options.optOutNotificationMethods
            ? { optOutNotificationMethods: this.options.optOutNotificationMethods }
            : {}),
        },
      },
      { signal },
    );
    await this.peer.notify("initialized", undefined);
    const { version, warning } = checkServerVersion(response.userAgent);
    this.serverVersion = version;
    if (warning !== undefined) this.hooks.warning(warning);
    this.initialized = response;
    return response;
  }

  /** Remembers the running start or handshake step, for `initialize()` to reject with its error. */
  private guard<T>(promise: Promise<T>): Promise<T> {
    this.startup = promise;
    return promise;
  }

  /** The connection dropped; the client actor reconnects (`reconnecting`). */
  private transportLost(info: TransportCloseInfo): void {
    const error = new CodexConnectionLostError(`the connection dropped: ${info.reason}; reconnecting`, {
      reason: info.reason,
      ...(info.error ? { cause: info.error } : {}),
    });
    this.hooks.lost(error, info);
    if (this.actor.getSnapshot().status === "active") {
      this.actor.send({ type: "transport.lost", reason: info.reason });
    }
  }

  /** Reconnection gave up: the connection closes for good, with why. */
  private async giveUp(
    attempts: number,
    last: { code: string | number; message: string } | null,
  ): Promise<void> {
    this.gaveUp = new ConnectionClosedError(
      `the connection dropped and ${attempts} reconnection attempt${attempts === 1 ? "" : "s"} failed` +
        (last ? `: ${last.message}` : ""),
      { reason: "reconnection gave up" },
    );
    await this.peer.close();
  }

  private transportClosed(info: TransportCloseInfo): void {
    const byUs = this.closeRequested;
    const gaveUp = this.gaveUp;
    const error =
      gaveUp ??
      new ConnectionClosedError(`the connection closed: ${info.reason}`, {
        ...(info.exitCode === undefined ? {} : { exitCode: info.exitCode }),
        ...(info.signal === undefined ? {} : { signal: info.signal }),
        ...(info.stderrTail === undefined ? {} : { stderrTail: info.stderrTail }),
        ...(info.error ? { cause: info.error } : {}),
      });
    this.closedWith = error;
    this.hooks.closed(error, byUs);
    if (this.actor.getSnapshot().status === "active") {
      this.actor.send({
        type: "transport.closed",
        reason: gaveUp ? error.message : info.reason,
        failed: !byUs && (gaveUp !== undefined || info.error !== undefined),
        ...(gaveUp ? { code: "reconnect_failed" } : {}),
      });
    }
  }
}
