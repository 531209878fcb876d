import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordTurns } from "../benchmarks/turns.js";
import { openRemoteSession } from "./remoteTurnSession.js";
import { tempDir } from "./tempDir.js";
import { TurnRouter } from "./turnRouter.js";
import { SESSION_KINDS, type SessionKind } from "./turnSessions.js";

describe("TurnRouter", () => {
  it("keeps each turn's notifications in its own record, whichever comes first, the answer or them", async () => {
    const router = new TurnRouter();
    router.route("turn/started", { threadId: "t", turn: { id: "a", status: "inProgress" } });
    router.route("item/agentMessage/delta", { threadId: "t", turnId: "b", delta: "B" });
    router.route("item/agentMessage/delta", { threadId: "t", turnId: "a", delta: "A1" });
    router.route("item/agentMessage/delta", { threadId: "t", turnId: "a", delta: "A2" });
    router.route("thread/status/changed", { threadId: "t", status: { type: "idle" } });
    router.route("item/completed", {
      threadId: "t",
      turnId: "a",
      item: { type: "agentMessage", text: "A1A2" },
    });
    const a = router.completed("a");
    router.route("turn/completed", { threadId: "t", turn: { id: "a", status: "completed" } });
    expect(await a).toMatchObject({ deltas: "A1A2", finalText: "A1A2", status: "completed", threadId: "t" });
    router.route("turn/completed", { threadId: "t", turn: { id: "b", status: "failed" } });
    expect(await router.completed("b")).toMatchObject({ deltas: "B", finalText: null, status: "failed" });
  });
});

describe("turn sessions on a recorded session", () => {
  it("run the recorded turns on the first of the threads and refuse a turn that answers another", async () => {
    await using dir = await tempDir("codex-bench-test-");
    const recording = await recordTurns(join(dir.path, "turns.recording"), 3, 4);
    expect(recording.segments.map((s) => s.method)).toEqual([
      "initialize",
      ...Array(3).fill("thread/start"),
      ...Array(4).fill("turn/start"),
    ]);
    for (const kind of Object.keys(SESSION_KINDS) as SessionKind[]) {
      const session = await SESSION_KINDS[kind](recording.path, 3, kind);
      try {
        expect(session.threads).toBe(3);
        const first = await session.runTurns(0, 2);
        expect(first.turns).toBe(2);
        expect(first.cpuMs).toBeGreaterThan(0);
        // The recording's third turn answers "reply #2"; asked as turn 3, it is a wrong answer.
        await expect(session.runTurns(3, 1)).rejects.toThrow(`turns (${kind}): turn 3`);
      } finally {
        await session.close();
      }
    }
  });

  it("run in a session host process, which reports its samples and its failures", async () => {
    await using dir = await tempDir("codex-bench-test-");
    const recording = await recordTurns(join(dir.path, "turns.recording"), 2, 3);
    const session = await openRemoteSession("sdk", recording.path, 2, "remote sdk");
    try {
      expect(session.setupCpuMs).toBeGreaterThan(0);
      expect(session.heapUsed).toBeGreaterThan(0);
      expect(await session.runTurns(0, 2)).toMatchObject({ turns: 2 });
      await expect(session.runTurns(5, 1)).rejects.toThrow("remote sdk: Error: turns (remote sdk): turn 5");
    } finally {
      await session.close();
    }
    await expect(openRemoteSession("bare", join(dir.path, "missing"), 1, "no recording")).rejects.toThrow(
      "no recording",
    );
  });
});
