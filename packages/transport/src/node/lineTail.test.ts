import { describe, expect, it } from "vitest";
import { LineTail } from "./lineTail.js";

describe("LineTail", () => {
  it("splits chunks into lines, reports each, and keeps the last N", () => {
    const seen: string[] = [];
    const tail = new LineTail(2, (line) => seen.push(line));
    tail.push("one\ntw");
    tail.push("o\r\nthree\nfour");
    expect(seen).toEqual(["one", "two", "three"]);
    expect(tail.text()).toBe("three\nfour");
    tail.flush();
    expect(seen).toEqual(["one", "two", "three", "four"]);
    expect(tail.text()).toBe("three\nfour");
    expect(tail.lastLine()).toBe("four");
  });

  it("removes ANSI colours and cuts very long lines", () => {
    const tail = new LineTail(5);
    tail.push("\u001b[2m2026\u001b[0m \u001b[31mERROR\u001b[0m boom\n");
    tail.push(`${"z".repeat(10_000)}\n`);
    const [first, second] = (tail.text() ?? "").split("\n");
    expect(first).toBe("2026 ERROR boom");
    expect(second?.length).toBe(4097);
  });

  it("keeps nothing with a capacity of 0 but still reports lines", () => {
    const seen: string[] = [];
    const tail = new LineTail(0, (line) => seen.push(line));
    tail.push("a\nb\n");
    expect(tail.text()).toBeUndefined();
    expect(seen).toEqual(["a", "b"]);
  });
});
