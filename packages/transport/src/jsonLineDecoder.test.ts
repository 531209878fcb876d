import { describe, expect, it } from "vitest";
import { CodexInvalidMessageError, CodexMessageTooLargeError } from "./errors/connectionErrors.js";
import type { CodexTransportError } from "./errors/localErrors.js";
import { JsonLineDecoder, parseJsonMessage } from "./jsonLineDecoder.js";

const bytes = (text: string) => new TextEncoder().encode(text);

function collect(maxMessageBytes?: number) {
  const messages: unknown[] = [];
  const errors: CodexTransportError[] = [];
  const decoder = new JsonLineDecoder({
    maxMessageBytes,
    onMessage: (message) => messages.push(message),
    onError: (error) => errors.push(error),
  });
  return { decoder, messages, errors };
}

describe("JsonLineDecoder", () => {
  it("joins a message split across chunks", () => {
    const { decoder, messages, errors } = collect();
    decoder.push(bytes('{"id":1,"res'));
    decoder.push(bytes('ult":{"a":'));
    expect(messages).toEqual([]);
    expect(decoder.bufferedBytes).toBe(22);
    decoder.push(bytes('[1,2]}}\n{"method":"x"}\n'));
    expect(messages).toEqual([{ id: 1, result: { a: [1, 2] } }, { method: "x" }]);
    expect(errors).toEqual([]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("decodes many lines from one chunk and keeps the incomplete tail", () => {
    const { decoder, messages } = collect();
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ method: "n", params: { i } }));
    decoder.push(bytes(`${lines.join("\n")}\n{"method":"tail"`));
    expect(messages).toHaveLength(100);
    expect(messages[99]).toEqual({ method: "n", params: { i: 99 } });
    decoder.push(bytes("}\n"));
    expect(messages[100]).toEqual({ method: "tail" });
  });

  it("strips CR of CRLF line ends, also when the CR and LF arrive in different chunks", () => {
    const { decoder, messages, errors } = collect();
    decoder.push(bytes('{"method":"a"}\r\n{"method":"b"}\r'));
    decoder.push(bytes("\n"));
    expect(messages).toEqual([{ method: "a" }, { method: "b" }]);
    expect(errors).toEqual([]);
  });

  it("ignores empty lines", () => {
    const { decoder, messages, errors } = collect();
    decoder.push(bytes('\n\r\n{"method":"a"}\n\n'));
    expect(messages).toEqual([{ method: "a" }]);
    expect(errors).toEqual([]);
  });

  it("reports a message over the limit once, discards the rest of its line, then resumes", () => {
    const { decoder, messages, errors } = collect(64);
    decoder.push(bytes(`{"method":"big","params":{"s":"${"x".repeat(50)}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CodexMessageTooLargeError);
    expect((errors[0] as CodexMessageTooLargeError).limit).toBe(64);
    decoder.push(bytes("x".repeat(10_000)));
    expect(decoder.bufferedBytes).toBe(0);
    decoder.push(bytes('"}}\n{"method":"ok"}\n'));
    expect(errors).toHaveLength(1);
    expect(messages).toEqual([{ method: "ok" }]);
  });

  it("reports a too-large line that arrives whole inside one chunk", () => {
    const { decoder, messages, errors } = collect(16);
    decoder.push(bytes(`{"method":"${"y".repeat(30)}"}\n{"method":"ok"}\n`));
    expect(errors.map((e) => e.code)).toEqual(["message_too_large"]);
    expect(messages).toEqual([{ method: "ok" }]);
  });

  it("accepts a message of exactly maxMessageBytes, also with a CRLF split across chunks", () => {
    const line = `{"method":"${"z".repeat(20)}"}`;
    const { decoder, messages, errors } = collect(line.length);
    decoder.push(bytes(`${line}\r`));
    decoder.push(bytes("\n"));
    decoder.push(bytes(`${line}\n`));
    expect(errors).toEqual([]);
    expect(messages).toHaveLength(2);
  });

  it("reports a line that is not UTF-8 and goes on with the next one", () => {
    const { decoder, messages, errors } = collect();
    decoder.push(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
    decoder.push(bytes('{"method":"after"}\n'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(CodexInvalidMessageError);
    expect((errors[0] as CodexInvalidMessageError).kind).toBe("utf8");
    expect(messages).toEqual([{ method: "after" }]);
  });

  it("reports a line that is not JSON with a short excerpt, never the whole line", () => {
    const { decoder, messages, errors } = collect();
    const garbage = `not json ${"g".repeat(100_000)}`;
    decoder.push(bytes(`${garbage}\n{"method":"after"}\n`));
    expect(messages).toEqual([{ method: "after" }]);
    const error = errors[0] as CodexInvalidMessageError;
    expect(error.kind).toBe("json");
    expect(error.excerpt?.startsWith("not json ggg")).toBe(true);
    expect(error.message.length).toBeLessThan(300);
    expect(error.excerpt!.length).toBeLessThan(200);
  });

  it("reports JSON that is not an object", () => {
    const { decoder, messages, errors } = collect();
    decoder.push(bytes('[1,2]\n42\n{"method":"ok"}\n'));
    expect(errors.map((e) => (e as CodexInvalidMessageError).kind)).toEqual(["not_object", "not_object"]);
    expect(messages).toEqual([{ method: "ok" }]);
  });

  it("keeps multi-byte characters whole when a chunk boundary cuts through them", () => {
    const { decoder, messages, errors } = collect();
    const text = '{"method":"m","params":{"s":"héllo 世界 🎉"}}\n';
    const encoded = bytes(text);
    for (let i = 0; i < encoded.length; i++) decoder.push(encoded.subarray(i, i + 1));
    expect(errors).toEqual([]);
    expect(messages).toEqual([{ method: "m", params: { s: "héllo 世界 🎉" } }]);
  });

  it("decodes a last line without a newline at end(), and reports one cut off", () => {
    const complete = collect();
    complete.decoder.push(bytes('{"method":"last"}'));
    complete.decoder.end();
    expect(complete.messages).toEqual([{ method: "last" }]);

    const cut = collect();
    cut.decoder.push(bytes('{"method":"la'));
    cut.decoder.end();
    expect(cut.messages).toEqual([]);
    expect((cut.errors[0] as CodexInvalidMessageError).kind).toBe("truncated");
  });

  it("gives the same messages and errors whether a chunk's lines are decoded together or one by one", () => {
    const bom = [0xef, 0xbb, 0xbf];
    const input = new Uint8Array([
      ...bytes('{"method":"a","params":{"s":"héllo 世界 🎉"}}\r\n\n'),
      ...bom,
      ...bytes('{"method":"after-bom"}\n'),
      ...bom,
      ...bytes("\n"),
      ...bytes("[1]\nnot json\n"),
      ...[0x7b, 0xff, 0x7d, 0x0a],
      ...bytes('{"method":"z"}\n{"method":"tail"}'),
    ]);
    const whole = collect();
    whole.decoder.push(input);
    whole.decoder.end();
    const byteByByte = collect();
    for (let i = 0; i < input.length; i++) byteByByte.decoder.push(input.subarray(i, i + 1));
    byteByByte.decoder.end();
    const kinds = (errors: CodexTransportError[]) => errors.map((e) => (e as CodexInvalidMessageError).kind);
    expect(whole.messages).toEqual([
      { method: "a", params: { s: "héllo 世界 🎉" } },
      { method: "after-bom" },
      { method: "z" },
      { method: "tail" },
    ]);
    expect(kinds(whole.errors)).toEqual(["json", "not_object", "json", "utf8"]);
    expect(byteByByte.messages).toEqual(whole.messages);
    expect(kinds(byteByByte.errors)).toEqual(kinds(whole.errors));
  });

  it("delivers a chunk's messages and errors in line order, all within its push", () => {
    const input = bytes('{"method":"a"}\nnot json\n{"method":"b"}\n[2]\n{"method":"c"}\n{"method":"d"');
    const run = (chunks: Uint8Array[]) => {
      const events: string[] = [];
      const decoder = new JsonLineDecoder({
        onMessage: (message) => events.push((message as { method: string }).method),
        onError: (error) => events.push(`error:${(error as CodexInvalidMessageError).kind}`),
      });
      const perPush = chunks.map((chunk) => {
        decoder.push(chunk);
        return events.length;
      });
      return { events, perPush };
    };
    const whole = run([input]);
    expect(whole.events).toEqual(["a", "error:json", "b", "error:not_object", "c"]);
    expect(whole.perPush).toEqual([5]);
    const byteByByte = run(Array.from(input, (_, i) => input.subarray(i, i + 1)));
    expect(byteByByte.events).toEqual(whole.events);
  });

  it("reports a too-large line among short ones in one chunk, and delivers the short ones", () => {
    const { decoder, messages, errors } = collect(20);
    decoder.push(bytes(`{"method":"a"}\n{"method":"${"x".repeat(40)}"}\n{"method":"b"}\n`));
    expect(errors.map((e) => e.code)).toEqual(["message_too_large"]);
    expect(messages).toEqual([{ method: "a" }, { method: "b" }]);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => collect(0)).toThrow(RangeError);
  });
});

describe("parseJsonMessage", () => {
  it("parses an object and throws a typed error for anything else", () => {
    expect(parseJsonMessage('{"id":1,"result":{}}')).toEqual({ id: 1, result: {} });
    expect(() => parseJsonMessage("{")).toThrow(CodexInvalidMessageError);
    expect(() => parseJsonMessage("null")).toThrow(/not a JSON object/);
  });
});
