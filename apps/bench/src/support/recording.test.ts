import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { recordStream } from "../benchmarks/stream.js";
import { LineClient, type RawMessage } from "./lineClient.js";
import { replayServerCommand } from "./replayCommand.js";
import { tempDir } from "./tempDir.js";

/** The recorded messages, from the file the replay server reads. */
async function recordedMessages(path: string): Promise<RawMessage[]> {
  const file = await readFile(path, "utf8");
  return file
    .slice(file.indexOf("\n") + 1)
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RawMessage);
}

describe("recordSession and the replay server", () => {
  it("record the fake's output per request and replay it as it was, whoever asks", async () => {
    await using dir = await tempDir("codex-bench-test-");
    const recording = await recordStream(dir.path, 10);
    expect(recording.segments.map((s) => s.method)).toEqual(["initialize", "thread/start", "turn/start"]);
    const turn = recording.segments[2]!;
    // The turn/start answer, the fake's turn notifications, and ten deltas.
    expect(turn.lines).toBeGreaterThan(10);

    const client = await LineClient.spawn(replayServerCommand(recording.path));
    const received: RawMessage[] = [];
    try {
      const completed = new Promise<void>((resolve) => {
        client.onMessage = (message) => {
          received.push(message);
          if (message.method === "turn/completed") resolve();
        };
      });
      received.push(
        await client.call("initialize", { clientInfo: { name: "other", title: null, version: "1" } }),
      );
      client.send({ method: "initialized" });
      const started = await client.call("thread/start", {});
      received.push(started);
      const turnStart = client.call("turn/start", { threadId: "whatever", input: [] });
      await completed;
      received.push(await turnStart);
    } finally {
      await client.close();
    }
    const expected = await recordedMessages(recording.path);
    const byJson = (messages: RawMessage[]) => messages.map((m) => JSON.stringify(m)).sort();
    expect(byJson(received)).toEqual(byJson(expected));
    expect(received.filter((m) => m.method === "item/agentMessage/delta")).toHaveLength(10);
  });

  it("exits with code 3 when a request does not match the recording", async () => {
    await using dir = await tempDir("codex-bench-test-");
    const recording = await recordStream(dir.path, 1);
    const command = replayServerCommand(recording.path);
    const child = spawn(command.command, command.args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.stdin.write(`${JSON.stringify({ id: 1, method: "turn/start", params: {} })}\n`);
    const [code] = await once(child, "exit");
    expect(code).toBe(3);
    expect(stderr).toContain("request #1 is turn/start, the recording has initialize");
  });
});
