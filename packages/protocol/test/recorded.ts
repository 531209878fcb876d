import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One line of a recording made by scripts/record-fixtures.ts. */
export interface RecordedLine {
  /** `out`: the client sent it; `in`: the server sent it. */
  direction: "in" | "out";
  message: Record<string, unknown>;
}

export const RECORDINGS = [
  "session-start",
  "turn-streamed-message",
  "turn-reasoning",
  "turn-approval-declined",
] as const;
export type RecordingName = (typeof RECORDINGS)[number];

const DIR = join(import.meta.dirname, "fixtures", "recorded");

export function loadRecording(name: RecordingName): RecordedLine[] {
  return readFileSync(join(DIR, `${name}.jsonl`), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RecordedLine);
}

/** A recorded payload as a validator sees it: responses carry the method of the request they answer. */
export interface RecordedPayload {
  recording: RecordingName;
  direction: "in" | "out";
  kind: "request" | "notification" | "response";
  method: string;
  payload: unknown;
}

/** Every recorded message of every recording, in order, paired up with its method. */
export function recordedPayloads(): RecordedPayload[] {
  const payloads: RecordedPayload[] = [];
  for (const recording of RECORDINGS) {
    const requests = new Map<string, string>();
    for (const { direction, message } of loadRecording(recording)) {
      const method = message.method;
      if (typeof method === "string") {
        const kind = "id" in message ? "request" : "notification";
        if (kind === "request") requests.set(`${direction}:${String(message.id)}`, method);
        payloads.push({ recording, direction, kind, method, payload: message.params });
      } else if ("result" in message) {
        const requestDirection = direction === "in" ? "out" : "in";
        const requestMethod = requests.get(`${requestDirection}:${String(message.id)}`);
        if (requestMethod === undefined)
          throw new Error(`${recording}: response ${String(message.id)} has no request`);
        payloads.push({
          recording,
          direction,
          kind: "response",
          method: requestMethod,
          payload: message.result,
        });
      } else {
        throw new Error(`${recording}: unexpected recorded message ${JSON.stringify(message)}`);
      }
    }
  }
  return payloads;
}

/** The params of the first recorded message with this method, as a fresh copy. */
export function recordedParams(method: string): Record<string, unknown> {
  const found = recordedPayloads().find((entry) => entry.kind !== "response" && entry.method === method);
  if (found === undefined) throw new Error(`no recorded ${method}`);
  return structuredClone(found.payload) as Record<string, unknown>;
}

/** The result of the first recorded response to this method, as a fresh copy. */
export function recordedResult(method: string): Record<string, unknown> {
  const found = recordedPayloads().find((entry) => entry.kind === "response" && entry.method === method);
  if (found === undefined) throw new Error(`no recorded response to ${method}`);
  return structuredClone(found.payload) as Record<string, unknown>;
}
