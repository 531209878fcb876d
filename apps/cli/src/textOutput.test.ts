import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ApprovalView } from "./approvalView.js";
import { createStyle } from "./terminalStyle.js";
import { TextOutput } from "./textOutput.js";

function output(): { text: () => string; out: TextOutput } {
  let written = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  const out = new TextOutput({
    stdout: stream,
    stderr: stream,
    style: createStyle(false),
    showData: false,
    spinner: false,
  });
  return { text: () => written, out };
}

const view: ApprovalView = {
  kind: "commandExecution",
  method: "item/commandExecution/requestApproval",
  title: "run a command?",
  fields: [["command", "sleep 100"]],
  params: {},
  answerable: true,
};

describe("approval verdicts", () => {
  it("a request the server withdrew (it timed out) is not shown as declined", () => {
    const { text, out } = output();
    out.approvalDecided(view, { decision: "decline", by: "withdrawn" });
    expect(text()).toBe("  → no answer (the server withdrew the request: it timed out or its turn ended)\n");
  });

  it("a declined request still says declined, with the reason", () => {
    const { text, out } = output();
    out.approvalDecided(view, { decision: "decline", by: "end-of-input" });
    expect(text()).toBe("  → declined (end of input)\n");
  });
});
