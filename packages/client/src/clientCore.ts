import type { Thread } from "@codex-app-server/protocol";
import { CodexValidationError } from "@codex-app-server/protocol";
import type { ConnectionClosedError, Transport } from "@codex-app-server/transport";
import { ClientConnection } from "./connection.js";
import { NotificationRouter } from "./notificationRouter.js";
import type { CodexClientOptions } from "./options.js";
import type { ReconnectHost } from "./reconnectResume.js";
import { detachAll, lostTurnError, resumeAll } from "./reconnectResume.js";
import { ServerRequestBroker } from "./serverRequestBroker.js";
import type { ServerRequestMethod } from "./serverRequests.js";
import { SERVER_REQUEST_KINDS } from "./serverRequests.js";
import { warnOnce } from "./serverVersion.js";
import type { ThreadHost } from "./threadHandle.js";
import { ThreadRegistry } from "./threadRegistry.js";
import type { ThreadSettingsSnapshot } from "./threadSettings.js";
import type { TurnHandle } from "./turnHandle.js";
import type { TurnStarter } from "./turnStarter.js";
import type { ServerNotification } from "./turnTypes.js";

const DEFAULT_INACTIVITY_TIMEOUT_MS = 180_000;
const DEFAULT_MAX_EARLY_NOTIFICATIONS = 10_000;
const DEFAULT_MAX_IDLE_THREADS = 1_000;
const DEFAULT_MAX_UNREAD_EVENTS = 100_000;

/** What the core needs of the public client. */
export interface ClientCoreHost {
  /** What thread handles call: the public client. */
  readonly client: ThreadHost;
  /** Resumes a released thread (`thread/resume`): its description and settings. */
  resume(threadId: string): Promise<{ thread: Thread; settings?: ThreadSettingsSnapshot }>;
}

/**
 * The working parts of a client and how they meet: the connection (transport, peer, root actor),
 * the server-request broker, the thread registry, the notification router and the turn starter.
 * It routes what the server sends, fails turns on a dead connection or an invalid message, and frees
 * a thread when its turn ends. `CodexClient` is the public API over it.
 */
export class ClientCore {
  readonly options: CodexClientOptions;
  readonly inactivityTimeoutMs: number | null;
  readonly connection: ClientConnection;
  readonly broker: ServerRequestBroker;
  readonly threads: ThreadRegistry;
  readonly router: NotificationRouter;
  readonly turnStarter: TurnStarter;

  constructor(transport: Transport, options: CodexClientOptions, host: ClientCoreHost) {
    this.options = options;
    this.inactivityTimeoutMs =
      options.inactivityTimeoutMs === undefined ? DEFAULT_INACTIVITY_TIMEOUT_MS : options.inactivityTimeoutMs;
    const onError = (error: Error) => this.options.onError?.(error);
    this.broker = new ServerRequestBroker(
      {
        turnActor: (turnId, threadId) => this.router.runningTurnActor(turnId, threadId),
        rootActor: () => this.connection.actor,
        onError,
        closedError: () => this.connection.closedError,
      },
      options.onServerRequest,
    );
    this.connection = new ClientConnection(transport, options, {
      decide: this.broker.decide,
      closed: (error, byUs) => this.onClosed(error, byUs),
      peerError: (error) => this.onPeerError(error),
      warning: (warning) => {
        const hook = this.options.onWarning ?? this.options.onError;
        if (hook !== undefined) hook(warning);
        else warnOnce(warning);
      },
      lost: (error, info) => detachAll(this.reconnectHost, error, info),
      resume: (signal) => resumeAll(this.reconnectHost, signal),
    });
    this.threads = new ThreadRegistry(
      this.connection.actor,
      host.client,
      options.maxIdleThreads ?? DEFAULT_MAX_IDLE_THREADS,
      (thread) => void host.client.releaseThread(thread.id).catch(onError),
    );
    const maxEarly = options.maxEarlyNotifications ?? DEFAULT_MAX_EARLY_NOTIFICATIONS;
    this.router = new NotificationRouter(this.threads, this.broker, maxEarly);
    this.turnStarter = {
      connection: this.connection,
      threads: this.threads,
      router: this.router,
      turnHost: { turnEnded: (turn: TurnHandle) => this.onTurnEnded(turn) },
      inactivityTimeoutMs: this.inactivityTimeoutMs,
      maxUnreadEvents: options.maxUnreadEvents ?? DEFAULT_MAX_UNREAD_EVENTS,
      maxEarlyNotifications: maxEarly,
      onError,
      failInvalid: (turn, error) => this.failInvalidTurn(turn, error),
      resume: async (thread) => {
        const { thread: info, settings } = await host.resume(thread.id);
        this.threads.adopt(info, "resume", settings, thread);
      },
    };
    const peer = this.connection.peer;
    peer.onNotification((message) => this.router.route(message as ServerNotification));
    for (const method of Object.keys(SERVER_REQUEST_KINDS) as ServerRequestMethod[]) {
      peer.setRequestHandler(
        method,
        (params, context) => this.broker.handle(method, params, context) as never,
      );
    }
  }

  /** What resuming the threads after a reconnection works on. */
  private get reconnectHost(): ReconnectHost {
    return {
      peer: this.connection.peer,
      threads: this.threads,
      router: this.router,
      broker: this.broker,
      onError: (error) => this.options.onError?.(error),
    };
  }

  /** A turn ended: it moves to the router's finished turns, and its (now idle) thread is used recently. */
  private onTurnEnded(turn: TurnHandle): void {
    this.router.turnEnded(turn);
    const thread = this.threads.get(turn.threadId);
    // The thread actor went idle already: its turn actor's final state ended the turn there.
    if (thread !== undefined) this.threads.markIdle(thread);
  }

  /**
   * Errors the peer reports, to `onError` (else stderr, once each). In strict mode a notification that
   * fails validation is not delivered: when it belongs to a turn, that turn fails with the validation
   * error at once (and is interrupted on the server) instead of waiting for a `turn/completed` that may
   * be the message that was dropped.
   */
  private onPeerError(error: Error): void {
    if (this.options.onError !== undefined) this.options.onError(error);
    else warnOnce(error);
    const dropped =
      (this.options.validation ?? "lenient") === "strict" && error instanceof CodexValidationError;
    if (!dropped || error.kind !== "notification") return;
    const turn = this.router.invalidNotification(error);
    if (turn !== undefined) this.failInvalidTurn(turn, error);
  }

  private failInvalidTurn(turn: TurnHandle, error: CodexValidationError): void {
    if (turn.isFinished) return;
    turn._fail(error);
    void this.connection.peer
      .request("turn/interrupt", { threadId: turn.threadId, turnId: turn.turnId })
      .catch(() => undefined);
  }

  /**
   * The connection ended (and was not, or could not be, reconnected): running turns fail (a stdio
   * server that died says its turns are lost), requests and streams end, thread actors close.
   */
  private onClosed(error: ConnectionClosedError, byUs: boolean): void {
    for (const turn of [...this.router.runningTurns]) turn._fail(lostTurnError(turn, error, byUs));
    this.broker.end(byUs ? undefined : error);
    this.router.endStreams(byUs ? undefined : error);
    for (const thread of this.threads.values()) {
      if (thread.actor.getSnapshot().status === "active")
        thread.actor.send({ type: "closed", reason: error.message });
    }
  }
}
