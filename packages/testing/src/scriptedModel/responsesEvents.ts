import type { ReplyGate } from "./gate.js";
import type {
  ChunkGate,
  Chunking,
  ResponsesStreamEvent,
  ScriptedOutput,
  ScriptedUsage,
  StreamReply,
} from "./replies.js";

/** What serving a streamed reply does, in order. */
export type StreamAction =
  | { readonly kind: "send"; readonly event: ResponsesStreamEvent }
  | { readonly kind: "gate"; readonly gate: ReplyGate }
  | { readonly kind: "delay"; readonly ms: number };

/** Hands out ids such as `msg_3`; one counter per model so ids never repeat within a run. */
export type IdSource = (prefix: string) => string;

/** `event: <type>\ndata: <json>\n\n` */
export function formatSseEvent(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function splitIntoChunks(text: string, chunks: Chunking): string[] {
  if (typeof chunks !== "number") return [...chunks];
  const points = Array.from(text);
  const count = Math.max(1, Math.min(chunks, points.length));
  const parts: string[] = [];
  for (let index = 0; index < count; index++) {
    const start = Math.floor((index * points.length) / count);
    const end = Math.floor(((index + 1) * points.length) / count);
    parts.push(points.slice(start, end).join(""));
  }
  return parts;
}

export function usageToWire(usage: ScriptedUsage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details:
      usage.cachedInputTokens === undefined ? null : { cached_tokens: usage.cachedInputTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details:
      usage.reasoningOutputTokens === undefined ? null : { reasoning_tokens: usage.reasoningOutputTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** The deltas as send actions, with each gate's pause after its chunk. */
function deltaActions(
  deltas: readonly string[],
  gates: readonly ChunkGate[] | undefined,
  event: (delta: string) => ResponsesStreamEvent,
): StreamAction[] {
  const actions: StreamAction[] = [];
  deltas.forEach((delta, index) => {
    actions.push({ kind: "send", event: event(delta) });
    for (const held of gates ?? [])
      if (held.afterChunk === index + 1) actions.push({ kind: "gate", gate: held.gate });
  });
  return actions;
}

const send = (event: ResponsesStreamEvent): StreamAction => ({ kind: "send", event });

function outputEvents(output: ScriptedOutput, outputIndex: number, nextId: IdSource): StreamAction[] {
  switch (output.type) {
    case "message": {
      const id = output.id ?? nextId("msg");
      return [
        send({
          type: "response.output_item.added",
          output_index: outputIndex,
          item: { type: "message", role: "assistant", id, content: [] },
        }),
        ...deltaActions(splitIntoChunks(output.text, output.chunks), output.gates, (delta) => ({
          type: "response.output_text.delta",
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          delta,
        })),
        send({
          type: "response.output_item.done",
          output_index: outputIndex,
          item: {
            type: "message",
            role: "assistant",
            id,
            content: [{ type: "output_text", text: output.text }],
          },
        }),
      ];
    }
    case "reasoning": {
      const id = output.id ?? nextId("rs");
      return [
        send({
          type: "response.output_item.added",
          output_index: outputIndex,
          item: { type: "reasoning", id, summary: [] },
        }),
        ...deltaActions(splitIntoChunks(output.text, output.chunks), output.gates, (delta) => ({
          type: "response.reasoning_summary_text.delta",
          item_id: id,
          output_index: outputIndex,
          summary_index: 0,
          delta,
        })),
        send({
          type: "response.output_item.done",
          output_index: outputIndex,
          item: { type: "reasoning", id, summary: [{ type: "summary_text", text: output.text }] },
        }),
      ];
    }
    case "functionCall": {
      return [
        send({
          type: "response.output_item.done",
          output_index: outputIndex,
          item: {
            type: "function_call",
            id: output.id ?? nextId("fc"),
            call_id: output.callId ?? nextId("call"),
            name: output.name,
            arguments: output.arguments,
          },
        }),
      ];
    }
    default: {
      const unknown: never = output;
      throw new TypeError(`unknown scripted output ${JSON.stringify(unknown)}`);
    }
  }
}

/** Turns a streamed reply into the events and pauses to serve, ids filled in. */
export function renderStream(reply: StreamReply, nextId: IdSource): StreamAction[] {
  const responseId = nextId("resp");
  const actions: StreamAction[] = [];
  if (reply.created) {
    actions.push({ kind: "send", event: { type: "response.created", response: { id: responseId } } });
  }
  let outputIndex = 0;
  for (const step of reply.steps) {
    switch (step.kind) {
      case "output":
        actions.push(...outputEvents(step.output, outputIndex, nextId));
        outputIndex++;
        break;
      case "event":
        actions.push({ kind: "send", event: step.event });
        break;
      case "gate":
      case "delay":
        actions.push(step);
        break;
      default: {
        const unknown: never = step;
        throw new TypeError(`unknown reply step ${JSON.stringify(unknown)}`);
      }
    }
  }
  const { ending } = reply;
  if (ending.kind === "completed") {
    actions.push({
      kind: "send",
      event: { type: "response.completed", response: { id: responseId, usage: usageToWire(ending.usage) } },
    });
  } else if (ending.kind === "failed") {
    actions.push({
      kind: "send",
      event: {
        type: "response.failed",
        response: { id: responseId, error: { code: ending.code, message: ending.message } },
      },
    });
  }
  return actions;
}
