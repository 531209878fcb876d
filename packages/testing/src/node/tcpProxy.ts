import type { AddressInfo, Server, Socket } from "node:net";
import { connect, createServer } from "node:net";

export interface TcpProxyOptions {
  /** Where accepted connections are forwarded. */
  target: { host?: string; port: number } | { path: string };
  /** Listen on this loopback port (default: any free port). */
  port?: number;
}

/**
 * A TCP proxy on 127.0.0.1 that a test controls: `cut()` drops every open connection at once (both
 * ends see a reset, as when a network goes away), `refuse()` turns new connections away until
 * `accept()`, `dropFromTarget()` loses what the target sends on the open connections. Nothing is
 * inspected or changed in between: bytes pass as they are.
 */
export class TcpProxy implements AsyncDisposable {
  /** Connections accepted since the start (refused ones included). */
  connectionCount = 0;
  private readonly server: Server;
  private readonly target: TcpProxyOptions["target"];
  /** Each open client socket with its upstream socket. */
  private readonly open = new Map<Socket, Socket>();
  private refusing = false;
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(server: Server, target: TcpProxyOptions["target"]) {
    this.server = server;
    this.target = target;
    server.on("connection", (socket) => this.accept_(socket));
  }

  static async start(options: TcpProxyOptions): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, options.target);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `ws://127.0.0.1:<port>` */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Connections open now (each a client socket with its upstream pair). */
  get openConnections(): number {
    return this.open.size;
  }

  /** Resolves once `count` connections have been accepted in all (refused ones included). */
  waitForConnections(count: number): Promise<void> {
    if (this.connectionCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Drops every open connection now (reset on both sides). Later connections pass again. */
  cut(): void {
    for (const [client, upstream] of [...this.open]) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.open.clear();
  }

  /**
   * From now on, what the target sends on the connections open now is dropped, not delivered, until they
   * are cut: requests still get through and their answers are lost on the way (as when a network fails
   * between them). Connections made later pass both ways.
   */
  dropFromTarget(): void {
    for (const [client, upstream] of this.open) {
      upstream.unpipe(client);
      upstream.on("data", () => undefined);
    }
  }

  /** From now on, new connections are accepted and reset at once, until `accept()`. */
  refuse(): void {
    this.refusing = true;
  }

  accept(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.cut();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept_(client: Socket): void {
    this.connectionCount++;
    const ready = this.waiters.filter((w) => this.connectionCount >= w.count);
    this.waiters = this.waiters.filter((w) => this.connectionCount < w.count);
    if (this.refusing) {
      client.resetAndDestroy();
      for (const waiter of ready) waiter.resolve();
      return;
    }
    const upstream =
      "path" in this.target
        ? connect(this.target.path)
        : connect(this.target.port, this.target.host ?? "127.0.0.1");
    this.open.set(client, upstream);
    const drop = () => {
      this.open.delete(client);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const waiter of ready) waiter.resolve();
  }
}

/** Starts a {@link TcpProxy} in front of `target`. */
export function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  return TcpProxy.start(options);
}
