import type { JsonRpcMessage } from "@codex-app-server/protocol";
import { CodexTransportError } from "../errors/localErrors.js";

/** `JSON.stringify(message)`, or a `serialize_failed` error when it throws or gives no string. */
export function serializeMessage(message: JsonRpcMessage): string {
  try {
    const json = JSON.stringify(message);
    if (typeof json !== "string") throw new TypeError(`JSON.stringify returned ${typeof json}`);
    return json;
  } catch (cause) {
    throw new CodexTransportError("the message cannot be serialized as JSON", {
      cause,
      code: "serialize_failed",
    });
  }
}
