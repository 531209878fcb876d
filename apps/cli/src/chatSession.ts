import type { CodexClientOptions, ThreadHandle, TurnHandle } from "@codex-app-server/client";
import { ConnectionClosedError } from "@codex-app-server/transport";
import { ApprovalDesk } from "./approvalDesk.js";
import type { ChatOutput } from "./chatOutput.js";
import type { CliOptions } from "./cliOptions.js";
import type { Connection } from "./connection.js";
import { describeTarget, openConnection } from "./connection.js";
import { demoEventDelayMs } from "./demo/offlineDemo.js";
import { followTurn } from "./followTurn.js";
import { LineInput } from "./lineInput.js";

declare const __PACKAGE_VERSION__: string;

/** A second Ctrl-C within this long quits instead of interrupting again. */
const DOUBLE_PRESS_MS = 2000;
/** Closing the client (and the server it started) may take this long before the CLI exits anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

export interface SessionIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { columns?: number };
  stderr: NodeJS.WritableStream & { columns?: number };
  env: Readonly<Record<string, string | undefined>>;
}

type TurnOutcome = "ok" | "failed" | "closed";
type Phase = "connecting" | "idle" | "turn" | "exiting";

/**
 * One run of codex-chat: connect, then the `--prompt` turns or the interactive loop, on one thread.
 * Ctrl-C interrupts the running turn; a second one (within two seconds, or while idle) closes the
 * client (and the server it started) and exits with 130.
 */
export class ChatSession {
  private readonly options: CliOptions;
  private readonly io: SessionIo;
  private readonly output: ChatOutput;
  private readonly input: LineInput;
  private readonly desk: ApprovalDesk;
  private phase: Phase = "connecting";
  private connecting: Promise<Connection> | undefined;
  private connection: Connection | undefined;
  private thread: ThreadHandle | undefined;
  private turn: TurnHandle | undefined;
  private interrupting = false;
  private lastInterruptAt = 0;
  private requestExit: (code: number) => void = () => {};
  private readonly onSigint = () => this.interrupt();
  private readonly onSigterm = () => this.exit(143);
  private readonly onSighup = () => this.exit(129);

  constructor(options: CliOptions, io: SessionIo, output: ChatOutput) {
    this.options = options;
    this.io = io;
    this.output = output;
    this.input = new LineInput(io.stdin, options.json ? io.stderr : io.stdout, () => this.interrupt());
    this.desk = new ApprovalDesk(options.approval, output, this.input);
  }

  /** Runs the session to its end and returns the exit code. */
  async run(): Promise<number> {
    process.on("SIGINT", this.onSigint);
    process.on("SIGTERM", this.onSigterm);
    process.on("SIGHUP", this.onSighup);
    // On a terminal, read keys from the start: Ctrl-C is then a key, not a SIGINT that would also
    // reach (and kill) the app-server child, which shares our process group.
    if (this.input.isTerminal) this.input.start();
    const exitRequested = new Promise<number>((resolve) => {
      this.requestExit = resolve;
    });
    const work = this.work();
    try {
      return await Promise.race([work, exitRequested]);
    } finally {
      this.phase = "exiting";
      await this.shutdown();
      await work.catch(() => undefined);
    }
  }

  /** Ctrl-C (SIGINT, or the key on a terminal). */
  interrupt(): void {
    const now = Date.now();
    const again = now - this.lastInterruptAt < DOUBLE_PRESS_MS;
    this.lastInterruptAt = now;
    if (this.phase !== "turn" || again || this.interrupting) {
      this.exit(130);
      return;
    }
    this.interrupting = true;
    this.desk.abortQuestions();
    this.output.notice("interrupting", "interrupting the turn (Ctrl-C again to quit)");
    // Before turn/start is answered there is no turn yet: runTurn interrupts it once it has one.
    if (this.turn) this.interruptTurn(this.turn);
  }

  private exit(code: number): void {
    if (this.phase === "exiting") return;
    this.phase = "exiting";
    this.input.close();
    this.output.notice("exiting", "closing the connection and exiting");
    this.requestExit(code);
  }

  private async work(): Promise<number> {
    const connection = await this.connect();
    if (connection === undefined) return 1;
    if (this.phase === "exiting") return 130;
    this.phase = "idle";
    this.output.session({
      ...connection.info,
      approval: this.options.approval,
      interactive: this.options.prompts.length === 0 && this.input.isTerminal,
    });

    let failed = false;
    if (this.options.prompts.length > 0) {
      for (const prompt of this.options.prompts) {
        if (this.isExiting()) break;
        this.output.userMessage(this.options.user, prompt);
        const outcome = await this.runTurn(connection, prompt);
        if (outcome === "closed") return 1;
        if (outcome === "failed") failed = true;
      }
      return failed ? 1 : 0;
    }

    for (;;) {
      if (this.isExiting()) return 130;
      this.output.pause();
      const line = await this.input.ask(this.output.userPrompt(this.options.user), { quietWhenPiped: true });
      if (line === null) return failed ? 1 : 0;
      const text = line.trim();
      if (text === "") continue;
      if (text === "/exit" || text === "/quit") return failed ? 1 : 0;
      if (!this.input.isTerminal || this.options.json) this.output.userMessage(this.options.user, text);
      const outcome = await this.runTurn(connection, text);
      if (outcome === "closed") return 1;
      if (outcome === "failed") failed = true;
    }
  }

  private isExiting(): boolean {
    return this.phase === "exiting";
  }

  private async connect(): Promise<Connection | undefined> {
    const { target } = this.options;
    this.output.connecting(describeTarget(target));
    const clientOptions: CodexClientOptions = {
      clientInfo: {
        name: "codex-chat",
        title: "codex-chat",
        version: typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0",
      },
      onServerRequest: (request) => this.desk.decide(request),
      onError: (error) => {
        if (this.options.showData) this.output.notice("protocol", error.message);
      },
      ...(this.options.inactivityTimeoutMs === undefined
        ? {}
        : { inactivityTimeoutMs: this.options.inactivityTimeoutMs }),
    };
    this.connecting = openConnection(
      target,
      clientOptions,
      { eventDelayMs: demoEventDelayMs(this.io.env) },
      this.io.env,
    );
    try {
      const connection = await this.connecting;
      this.connection = connection;
      connection.client.onNotification((n) => {
        if (n.method === "item/started") this.desk.rememberItem(n.params.item);
      });
      this.output.pause();
      return connection;
    } catch (error) {
      if (this.isExiting()) return undefined;
      this.output.pause();
      this.output.error(error);
      return undefined;
    }
  }

  private async runTurn(connection: Connection, text: string): Promise<TurnOutcome> {
    this.phase = "turn";
    this.interrupting = false;
    try {
      if (this.thread === undefined) {
        this.thread = await connection.client.startThread();
        this.output.threadStarted(this.thread.id);
      }
      const turn = await this.thread.turn(text);
      this.turn = turn;
      this.output.turnStarted(turn.threadId, turn.turnId);
      if (this.interrupting) this.interruptTurn(turn);
      const end = await followTurn(turn, {
        client: connection.client,
        output: this.output,
        cancelOnTimeout: this.options.cancelOnTimeout,
      });
      if (end.kind === "cancelled") {
        this.output.cancelled(end.result);
        return "ok";
      }
      this.output.turnEnded(end.result);
      return end.result.status === "failed" ? "failed" : "ok";
    } catch (error) {
      if (this.isExiting()) return "closed";
      this.output.error(error);
      return error instanceof ConnectionClosedError ? "closed" : "failed";
    } finally {
      this.turn = undefined;
      this.desk.forgetItems();
      if (!this.isExiting()) this.phase = "idle";
    }
  }

  private interruptTurn(turn: TurnHandle): void {
    turn.interrupt().catch((error: unknown) => {
      if (this.isExiting()) return;
      this.output.notice("interrupt-failed", `could not interrupt the turn: ${(error as Error).message}`);
    });
  }

  private async shutdown(): Promise<void> {
    process.off("SIGINT", this.onSigint);
    process.off("SIGTERM", this.onSigterm);
    process.off("SIGHUP", this.onSighup);
    this.input.close();
    this.output.close();
    const connection = this.connection ?? (await this.connecting?.catch(() => undefined));
    if (connection === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([connection.close().catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
