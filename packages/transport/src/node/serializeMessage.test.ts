import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { describe, expect, it } from "vitest";
import { CodexTransportError } from "../errors/localErrors.js";
import { serializeMessage } from "./serializeMessage.js";

describe("serializeMessage", () => {
  it("gives the JSON text of a message", () => {
    expect(serializeMessage({ id: 1, method: "m", params: { a: "é" } })).toBe(
      '{"id":1,"method":"m","params":{"a":"é"}}',
    );
  });

  it("refuses a value JSON cannot hold, and one that serializes to nothing, with serialize_failed", () => {
    const bigint = { method: "m", params: { n: 1n } } as unknown as JsonRpcMessage;
    const nothing = { toJSON: () => undefined } as unknown as JsonRpcMessage;
    for (const message of [bigint, nothing]) {
      let caught: unknown;
      try {
        serializeMessage(message);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CodexTransportError);
      expect(caught).toMatchObject({ code: "serialize_failed" });
      expect((caught as Error).cause).toBeInstanceOf(TypeError);
    }
  });
});
