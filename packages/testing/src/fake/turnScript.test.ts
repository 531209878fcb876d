import { describe, expect, it } from "vitest";
import { splitIntoChunks } from "../scriptedModel/responsesEvents.js";
import { FakeScriptError } from "./errors.js";
import { checkTurnScript, chunkText, step } from "./turnScript.js";

describe("chunkText", () => {
  it("splits like the scripted model, so fake and real servers stream the same deltas", () => {
    for (const [text, n] of [
      ["Hello there", 3],
      ["thinking...", 2],
      ["ab", 5],
      ["😀 emoji 😀 text", 4],
      ["", 3],
    ] as const) {
      expect(chunkText(text, n)).toEqual(splitIntoChunks(text, n));
      expect(chunkText(text, n).join("")).toBe(text);
    }
    expect(chunkText("Hello there", 3)).toEqual(["Hel", "lo t", "here"]);
    expect(chunkText("abc", ["a", "bc"])).toEqual(["a", "bc"]);
  });
});

describe("checkTurnScript", () => {
  it("accepts a list of steps or a script object, and every builder's output", () => {
    const steps = [
      step.message("hi", { chunks: ["h", "i"], phase: "final_answer", burst: true }),
      step.reasoning("r"),
      step.exec("ls", { output: ["a"], exitCode: 0, cwd: "/x", approval: { reason: "why" } }),
      step.fileChange([{ path: "a" }], { approval: {} }),
      step.approval("git push", { onAccept: [step.message("y")], onDecline: [step.fail("n")] }),
      step.waitForSteer(),
      step.pause(10),
      step.usage(1, 2),
      step.fail("boom", "other"),
      step.hang(),
      step.dropConnection(),
      step.malformed("{"),
      step.notify("configWarning", { summary: "s", details: null }),
    ];
    expect(checkTurnScript(steps)).toEqual({ steps });
    expect(checkTurnScript({ steps, earlyNotifications: true })).toEqual({ steps, earlyNotifications: true });
  });

  it.each([
    [[{ text: "no type" }], "turn.steps[0]: unknown step type undefined"],
    [[{ type: "message" }], 'turn.steps[0]: a "message" step needs "text"'],
    [[{ type: "message", text: 1 }], "turn.steps[0].text: expected string, got number"],
    [[{ type: "message", text: "ab", chunks: 0 }], "turn.steps[0].chunks: must be a positive integer"],
    [
      [{ type: "message", text: "ab", chunks: ["a"] }],
      "turn.steps[0].chunks: explicit chunks must be strings that join to the text",
    ],
    [[{ type: "pause", ms: -1 }], "turn.steps[0].ms: must be a non-negative number"],
    [
      [{ type: "approval", command: "x", onAccept: [{ type: "nope" }], onDecline: [] }],
      'turn.steps[0].onAccept[0]: unknown step type "nope"',
    ],
    [{ steps: "nope" }, 'turn: expected a list of steps or { "steps": [...] }'],
    [{ steps: [], earlyNotifications: "yes" }, "turn.earlyNotifications: expected boolean"],
    [{ steps: [], startDelayMs: -5 }, "turn.startDelayMs: expected a number >= 0"],
    [["message"], 'turn.steps[0]: a step must be an object like { "type": "message", "text": "hi" }'],
  ])("refuses %j", (script, message) => {
    const error = (() => {
      try {
        checkTurnScript(script);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(FakeScriptError);
    expect((error as Error).message).toContain(message);
    expect(error).toMatchObject({ code: "fake_invalid_script" });
  });
});
