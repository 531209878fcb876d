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

  it("redacts secrets before a line is kept or reported, even one split across chunks", () => {
    const seen: string[] = [];
    const tail = new LineTail(5, (line) => seen.push(line));
    tail.redact("s3cret");
    tail.redact("");
    tail.push("token=s3c");
    expect(tail.text()).toBe("token=s3c");
    tail.push("ret and s3cret\npartial s3cret");
    expect(seen).toEqual(["token=[redacted] and [redacted]"]);
    expect(tail.lines).toEqual(["token=[redacted] and [redacted]"]);
    expect(tail.text()).toBe("token=[redacted] and [redacted]\npartial [redacted]");
    expect(tail.lastLine()).toBe("partial [redacted]");
  });

  it("keeps one cut line of an endless line, drops the rest up to its newline, and never cuts through a secret", () => {
    const seen: string[] = [];
    const tail = new LineTail(5, (line) => seen.push(line));
    const secret = "k".repeat(40);
    tail.redact(secret);
    tail.push("a".repeat(4090));
    tail.push(secret); // straddles the 4096-character cut
    for (let i = 0; i < 100; i++) tail.push("b".repeat(1000));
    tail.push("\nnext\n");
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(`${"a".repeat(4090)}[redac…`);
    expect(seen[0]).not.toContain("k");
    expect(seen[1]).toBe("next");
  });
});
