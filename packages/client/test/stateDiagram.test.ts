import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mermaidStateDiagram } from "../scripts/stateDiagram.js";
import { clientMachine, requestMachine, threadMachine, turnMachine } from "../src/index.js";

describe("state diagrams from the machine definitions", () => {
  it("draws every state and every targeted transition, with its event and guard", () => {
    const diagram = mermaidStateDiagram(clientMachine);
    expect(diagram.startsWith("stateDiagram-v2\n  [*] --> client_idle\n")).toBe(true);
    for (const state of ["idle", "connecting", "initializing", "ready", "closing", "closed", "failed"]) {
      expect(diagram).toContain(`state "${state}" as client_${state}\n`);
    }
    expect(diagram).toContain("client_connecting --> client_initializing : done: openTransport\n");
    expect(diagram).toContain("client_closed --> [*]\n");
  });

  it("nests compound states, names guards and draws the root's transitions from any state", () => {
    const diagram = mermaidStateDiagram(turnMachine);
    expect(diagram).toContain("  state turn_streaming {\n    [*] --> turn_streaming_receiving\n");
    expect(diagram).toContain("turn_any --> turn_completed : turn.completed [endedCompleted]\n");
    expect(mermaidStateDiagram(threadMachine)).toContain("thread_idle --> thread_running : turn.requested\n");
    expect(mermaidStateDiagram(requestMachine)).toContain(
      "request_pending --> request_answered : done: decide",
    );
  });

  it("the README carries the current diagrams", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const machine of [clientMachine, threadMachine, turnMachine, requestMachine]) {
      expect(readme).toContain(`\`\`\`mermaid\n${mermaidStateDiagram(machine)}\`\`\``);
    }
  });
});
