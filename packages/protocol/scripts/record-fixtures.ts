/**
 * Records real messages from the pinned `codex app-server` into test/fixtures/recorded/*.jsonl, one
 * `{"direction":"in"|"out","message":{...}}` per line ("out" is what this client sent, "in" what the
 * server sent). A small loopback stand-in for the Responses API plays the model.
 *
 *   pnpm record-fixtures
 *
 * Scenarios, each recorded to its own file:
 *   session-start            initialize, initialized, thread/start
 *   turn-streamed-message    a turn whose answer streams in several deltas
 *   turn-reasoning           a turn with a reasoning summary before the answer
 *   turn-approval-declined   the model asks to run a command with escalation; the client declines
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ClientRequestMap, ClientRequestMethod, ServerRequestMap } from "../src/index.js";
import { classifyMessage } from "../src/index.js";
import { PACKAGE_DIR, resolveCodexBinary } from "./codexBinary.js";

const FIXTURE_DIR = join(PACKAGE_DIR, "test", "fixtures", "recorded");
const STEP_TIMEOUT_MS = 30_000;

type Direction = "in" | "out";
interface Recorded {
  direction: Direction;
  message: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// The model stand-in: POST /v1/responses answered as server-sent events.

type SseEvent = { type: string } & Record<string, unknown>;

let responseCounter = 0;

function usage(): Record<string, unknown> {
  return {
    input_tokens: 12,
    input_tokens_details: null,
    output_tokens: 7,
    output_tokens_details: null,
    total_tokens: 19,
  };
}

function assistantMessage(id: string, chunks: string[]): SseEvent[] {
  return [
    {
      type: "response.output_item.added",
      output_index: 0,
      item: { type: "message", role: "assistant", id, content: [] },
    },
    ...chunks.map((delta) => ({
      type: "response.output_text.delta",
      item_id: id,
      output_index: 0,
      content_index: 0,
      delta,
    })),
    {
      type: "response.output_item.done",
      output_index: 0,
      item: {
        type: "message",
        role: "assistant",
        id,
        content: [{ type: "output_text", text: chunks.join("") }],
      },
    },
  ];
}

function reasoning(id: string, chunks: string[]): SseEvent[] {
  return [
    { type: "response.output_item.added", output_index: 0, item: { type: "reasoning", id, summary: [] } },
    ...chunks.map((delta) => ({
      type: "response.reasoning_summary_text.delta",
      item_id: id,
      output_index: 0,
      summary_index: 0,
      delta,
    })),
    {
      type: "response.output_item.done",
      output_index: 0,
      item: { type: "reasoning", id, summary: [{ type: "summary_text", text: chunks.join("") }] },
    },
  ];
}

function escalatedCommand(target: string): SseEvent[] {
  const args = {
    cmd: `touch ${target}`,
    sandbox_permissions: "require_escalated",
    justification: "The fixture needs a file outside the workspace.",
  };
  return [
    {
      type: "response.output_item.done",
      output_index: 0,
      item: {
        type: "function_call",
        id: "fc_fixture_1",
        call_id: "call_fixture_1",
        name: "exec_command",
        arguments: JSON.stringify(args),
      },
    },
  ];
}

interface ModelInput {
  lastUserText: string;
  hasToolOutput: boolean;
}

function readModelInput(body: unknown): ModelInput {
  const input = (body as { input?: unknown[] }).input ?? [];
  let lastUserText = "";
  let lastUserIndex = -1;
  input.forEach((item, index) => {
    const entry = item as { type?: string; role?: string; content?: Array<{ type?: string; text?: string }> };
    if (entry.type === "message" && entry.role === "user") {
      const text = entry.content?.find((part) => part.type === "input_text")?.text;
      if (text !== undefined) {
        lastUserText = text;
        lastUserIndex = index;
      }
    }
  });
  const hasToolOutput = input
    .slice(lastUserIndex + 1)
    .some((item) => (item as { type?: string }).type === "function_call_output");
  return { lastUserText, hasToolOutput };
}

function modelReply(input: ModelInput, outsideTarget: string): SseEvent[] {
  if (input.lastUserText.includes("[reasoning]")) {
    return [
      ...reasoning("rs_fixture_1", ["Thinking ", "about ", "the answer."]),
      ...assistantMessage("msg_fixture_reasoned", ["Forty", "-two."]),
    ];
  }
  if (input.lastUserText.includes("[approval]")) {
    if (!input.hasToolOutput) return escalatedCommand(outsideTarget);
    return assistantMessage("msg_fixture_after_decline", ["The command ", "was declined."]);
  }
  return assistantMessage("msg_fixture_streamed", ["Hello", ", ", "streaming ", "world", "!"]);
}

function startModel(outsideTarget: string): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/responses")) {
        res.writeHead(404).end();
        return;
      }
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const id = `resp_fixture_${++responseCounter}`;
      const events: SseEvent[] = [
        { type: "response.created", response: { id } },
        ...modelReply(readModelInput(body), outsideTarget),
        { type: "response.completed", response: { id, usage: usage() } },
      ];
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const event of events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

// ---------------------------------------------------------------------------------------------
// The client side: JSON lines over the server's stdio.

class Session {
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly pending = new Map<number, (message: Record<string, unknown>) => void>();
  private readonly waiters: Array<{ match: (m: Record<string, unknown>) => boolean; resolve: () => void }> =
    [];
  private readonly serverRequestHandlers = new Map<string, (params: unknown) => unknown>();
  private log: Recorded[] = [];
  readonly logs = new Map<string, Recorded[]>();
  stderr = "";

  constructor(binary: string, home: string, cwd: string) {
    this.child = spawn(binary, ["app-server"], {
      cwd,
      env: { ...process.env, CODEX_HOME: home, OPENAI_API_KEY: "fixture-key", RUST_LOG: "warn" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => this.receive(line));
  }

  /** Starts recording into a new scenario log. */
  scenario(name: string): void {
    this.log = [];
    this.logs.set(name, this.log);
  }

  private write(message: Record<string, unknown>): void {
    this.log.push({ direction: "out", message });
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private receive(line: string): void {
    if (line.trim() === "") return;
    const message = JSON.parse(line) as Record<string, unknown>;
    this.log.push({ direction: "in", message });
    const classified = classifyMessage(message);
    if (classified.kind === "response" || classified.kind === "error") {
      const id = classified.message.id;
      const settle = typeof id === "number" ? this.pending.get(id) : undefined;
      if (settle && typeof id === "number") {
        this.pending.delete(id);
        settle(message);
      }
    } else if (classified.kind === "request") {
      const handler = this.serverRequestHandlers.get(classified.message.method);
      if (handler === undefined) throw new Error(`unexpected server request ${classified.message.method}`);
      this.write({
        id: classified.message.id,
        result: handler(classified.message.params) as Record<string, unknown>,
      });
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.match(message)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestMap[M]["params"],
  ): Promise<ClientRequestMap[M]["result"]> {
    const id = this.nextId++;
    return withTimeout(
      `${method} response`,
      new Promise((resolve, reject) => {
        this.pending.set(id, (message) => {
          if ("error" in message) reject(new Error(`${method} failed: ${JSON.stringify(message.error)}`));
          else resolve(message.result as ClientRequestMap[M]["result"]);
        });
        this.write({ method, id, params });
      }),
    );
  }

  notify(method: string): void {
    this.write({ method });
  }

  onServerRequest<M extends keyof ServerRequestMap>(
    method: M,
    handler: (params: ServerRequestMap[M]["params"]) => ServerRequestMap[M]["result"],
  ): void {
    this.serverRequestHandlers.set(method, handler as (params: unknown) => unknown);
  }

  waitFor(description: string, match: (message: Record<string, unknown>) => boolean): Promise<void> {
    return withTimeout(
      description,
      new Promise<void>((resolve) => {
        this.waiters.push({ match, resolve });
      }),
    );
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isNotification(method: string) {
  return (message: Record<string, unknown>): boolean => message.method === method && !("id" in message);
}

async function runTurn(session: Session, threadId: string, text: string): Promise<void> {
  const completed = session.waitFor(`turn/completed after "${text}"`, isNotification("turn/completed"));
  await session.request("turn/start", { threadId, input: [{ type: "text", text, text_elements: [] }] });
  await completed;
}

async function record(): Promise<Map<string, Recorded[]>> {
  const binary = resolveCodexBinary();
  const work = mkdtempSync(join(tmpdir(), "codex-fixtures-"));
  const home = join(work, "home");
  const workspace = join(work, "workspace");
  mkdirSync(home);
  mkdirSync(workspace);
  const model = await startModel(join(work, "outside-the-workspace.txt"));
  const port = (model.address() as AddressInfo).port;
  writeFileSync(
    join(home, "config.toml"),
    [
      'model = "mock-model"',
      'model_provider = "mock"',
      'approval_policy = "on-request"',
      'sandbox_mode = "workspace-write"',
      "",
      "[model_providers.mock]",
      'name = "mock"',
      `base_url = "http://127.0.0.1:${port}/v1"`,
      'wire_api = "responses"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "",
    ].join("\n"),
  );
  const session = new Session(binary.path, home, workspace);
  try {
    session.scenario("session-start");
    await session.request("initialize", {
      clientInfo: { name: "codex-app-server-sdk-fixtures", title: null, version: "0.0.0" },
    });
    session.notify("initialized");
    const started = session.waitFor("thread/started", isNotification("thread/started"));
    const { thread } = await session.request("thread/start", { cwd: workspace });
    await started;

    session.scenario("turn-streamed-message");
    await runTurn(session, thread.id, "Say hello with streaming.");

    session.scenario("turn-reasoning");
    await runTurn(session, thread.id, "[reasoning] What is six times seven?");

    session.scenario("turn-approval-declined");
    session.onServerRequest("item/commandExecution/requestApproval", () => ({ decision: "decline" }));
    await runTurn(session, thread.id, "[approval] Create a file outside the workspace.");
    return session.logs;
  } catch (error) {
    if (session.stderr) console.error(session.stderr.slice(-4_000));
    throw error;
  } finally {
    await session.close();
    await new Promise<void>((resolve) => model.close(() => resolve()));
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const logs = await record();
  mkdirSync(FIXTURE_DIR, { recursive: true });
  for (const [name, entries] of logs) {
    writeFileSync(
      join(FIXTURE_DIR, `${name}.jsonl`),
      entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""),
    );
    console.log(`${name}.jsonl: ${entries.length} messages`);
  }
}

main().catch((error: unknown) => {
  console.error(`record-fixtures: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
