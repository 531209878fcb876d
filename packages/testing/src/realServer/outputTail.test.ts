import { describe, expect, it } from "vitest";
import { OutputTail } from "./outputTail.js";

describe("OutputTail", () => {
  it("keeps the last complete lines, strips ANSI colours and carriage returns", () => {
    const tail = new OutputTail(2);
    tail.push("one\r\ntw");
    tail.push("o\n\u001b[31mthree\u001b[0m\nfour");
    expect(tail.lines).toEqual(["two", "three"]);
    tail.flush();
    expect(tail.text()).toBe("three\nfour");
  });

  it("redacts registered secrets before storing or announcing a line", () => {
    const tail = new OutputTail();
    tail.redact("s3cret");
    const seen: string[] = [];
    const stop = tail.onLine((line) => seen.push(line));
    tail.push("token=s3cret and s3cret again\n");
    stop();
    tail.push("later\n");
    expect(tail.lines).toEqual(["token=[redacted] and [redacted] again", "later"]);
    expect(seen).toEqual(["token=[redacted] and [redacted] again"]);
  });

  it("reads bytes as one stream: a character split across chunks stays whole", () => {
    const tail = new OutputTail();
    const bytes = new TextEncoder().encode("température élevée\n");
    tail.push(bytes.subarray(0, 5));
    tail.push(bytes.subarray(5));
    expect(tail.lines).toEqual(["température élevée"]);
  });
});
