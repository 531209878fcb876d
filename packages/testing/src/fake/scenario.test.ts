import { describe, expect, it } from "vitest";
import { FakeScriptError } from "./errors.js";
import { parseScenario } from "./scenario.js";

describe("parseScenario", () => {
  it("turns scenario JSON into fake options", () => {
    const options = parseScenario(
      JSON.stringify({
        turns: [[{ type: "message", text: "hi" }], { steps: [], earlyNotifications: true }],
        defaultTurn: [{ type: "hang" }],
        compaction: [{ type: "pause", ms: 5 }],
        handlers: { "model/list": [{ data: [], nextCursor: null }] },
        cwd: "/repo",
        model: "m",
      }),
    );
    expect(options).toEqual({
      turns: [{ steps: [{ type: "message", text: "hi" }] }, { steps: [], earlyNotifications: true }],
      defaultTurn: { steps: [{ type: "hang" }] },
      compaction: [{ type: "pause", ms: 5 }],
      handlers: { "model/list": [{ data: [], nextCursor: null }] },
      cwd: "/repo",
      model: "m",
    });
  });

  it.each([
    ["{", /^s\.json: not valid JSON/],
    ["[]", /^s\.json: expected a JSON object/],
    [
      '{"turn": []}',
      /^s\.json: unknown key "turn"; expected turns, defaultTurn, compaction, handlers, cwd, model/,
    ],
    ['{"compaction": {}}', /^s\.json\.compaction: expected a list of steps/],
    ['{"turns": {}}', /^s\.json\.turns: expected a list of turns/],
    ['{"turns": [[{"type": "sing"}]]}', /^s\.json\.turns\[0\]\.steps\[0\]: unknown step type "sing"/],
    ['{"handlers": []}', /^s\.json\.handlers: expected an object/],
    ['{"cwd": 1}', /^s\.json\.cwd: expected a string/],
  ])("refuses %s with a message that says where", (text, message) => {
    expect(() => parseScenario(text, "s.json")).toThrow(FakeScriptError);
    expect(() => parseScenario(text, "s.json")).toThrow(message);
  });
});
