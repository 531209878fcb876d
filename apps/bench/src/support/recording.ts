import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import type { ChildCommand, RawMessage } from "./lineClient.js";

/** One request of a recorded session, and how to tell that its output is complete. */
export interface SessionStep {
  method: string;
  /** The params, or a function of the responses to the earlier steps (e.g. a thread id). */
  params: unknown | ((responses: RawMessage[]) => unknown);
  /** The step's output is complete once this message has arrived (e.g. `turn/completed`). */
  until: (message: RawMessage) => boolean;
  /** A notification sent right after the step's output (e.g. `initialized` after `initialize`). */
  thenNotify?: string;
}

export interface SegmentInfo {
  method: string;
  bytes: number;
  lines: number;
}

export interface Recording {
  readonly path: string;
  readonly segments: readonly SegmentInfo[];
  readonly totalBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Runs a server (the fake) once through a fixed list of requests and stores every byte it wrote, cut
 * into one segment per request, for the replay server. Request ids are 1, 2, 3... in step order:
 * the sequence the SDK's client and the baseline client both use, so the recorded responses answer
 * their requests.
 */
export async function recordSession(
  command: ChildCommand,
  steps: readonly SessionStep[],
  path: string,
): Promise<Recording> {
  const child = spawn(command.command, command.args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = once(child, "exit");
  await once(child, "spawn");

  const segments: Buffer[][] = steps.map(() => []);
  const infos: SegmentInfo[] = steps.map((step) => ({ method: step.method, bytes: 0, lines: 0 }));
  const responses: RawMessage[] = [];
  let current = -1;
  let partial: Buffer[] = [];
  let finished!: () => void;
  let failed!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });

  const sendStep = (index: number) => {
    current = index;
    const step = steps[index] as SessionStep;
    const params = typeof step.params === "function" ? step.params(responses) : step.params;
    child.stdin.write(`${JSON.stringify({ id: index + 1, method: step.method, params })}\n`);
  };

  const onLine = (line: Buffer) => {
    const index = current;
    const step = steps[index];
    const info = infos[index];
    if (step === undefined || info === undefined) {
      failed(new Error(`the server wrote after the last step: ${line.toString("utf8").slice(0, 200)}`));
      return;
    }
    segments[index]?.push(line);
    info.bytes += line.length;
    info.lines++;
    const message = JSON.parse(line.toString("utf8")) as RawMessage;
    if (message.id === index + 1 && message.method === undefined) {
      if (message.error !== undefined) {
        failed(new Error(`${step.method} failed: ${JSON.stringify(message.error)}`));
        return;
      }
      responses[index] = message;
    }
    if (!step.until(message)) return;
    if (step.thenNotify !== undefined) child.stdin.write(`${JSON.stringify({ method: step.thenNotify })}\n`);
    if (index + 1 < steps.length) sendStep(index + 1);
    else finished();
  };

  child.stdout.on("data", (chunk: Buffer) => {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline + 1);
      const line = partial.length === 0 ? piece : Buffer.concat([...partial, piece]);
      partial = [];
      onLine(line);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  });
  void exited.then(([code, signal]) =>
    failed(new Error(`the server exited while recording (code ${code}, signal ${signal}): ${stderr}`)),
  );

  try {
    sendStep(0);
    await done;
  } finally {
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }

  const header = `${JSON.stringify({ segments: infos.map(({ method, bytes }) => ({ method, bytes })) })}\n`;
  await writeFile(path, Buffer.concat([Buffer.from(header, "utf8"), ...segments.flat()]));
  return { path, segments: infos, totalBytes: infos.reduce((sum, info) => sum + info.bytes, 0) };
}
