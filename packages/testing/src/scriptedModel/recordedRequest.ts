import type { IncomingHttpHeaders } from "node:http";

/** The JSON body the app-server POSTs to `/responses` (only the fields tests usually look at are typed). */
export interface ResponsesRequestBody {
  model?: string;
  instructions?: string;
  input?: unknown[];
  tools?: unknown[];
  stream?: boolean;
  [field: string]: unknown;
}

export interface FunctionCallItem {
  type: "function_call";
  call_id: string;
  name: string;
  arguments: string;
  [field: string]: unknown;
}

export interface FunctionCallOutputItem {
  type: "function_call_output";
  call_id: string;
  output: unknown;
  [field: string]: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One POST the scripted model received, with helpers over its `input`. */
export class RecordedRequest {
  /** 0-based position among the requests this model received. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** The request headers; `authorization` is replaced by `[redacted]`. */
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly body: ResponsesRequestBody;

  constructor(init: {
    index: number;
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    body: ResponsesRequestBody;
  }) {
    this.index = init.index;
    this.method = init.method;
    this.path = init.path;
    const headers = { ...init.headers };
    if (headers.authorization !== undefined) headers.authorization = "[redacted]";
    this.headers = headers;
    this.body = init.body;
  }

  /** The `input` items (the whole conversation so far, as the server resends it on every call). */
  get input(): unknown[] {
    return Array.isArray(this.body.input) ? this.body.input : [];
  }

  /** `input_text` parts of every user-role message, in order (including context the server injects). */
  get userTexts(): string[] {
    return this.messageTexts("user");
  }

  /** The last user-role text: in a turn's first request, what the user typed. */
  get lastUserText(): string | undefined {
    return this.userTexts.at(-1);
  }

  get functionCalls(): FunctionCallItem[] {
    return this.input.filter(
      (item): item is FunctionCallItem => isRecord(item) && item.type === "function_call",
    );
  }

  /** `function_call_output` items: what the server sends back after running a tool. */
  get functionCallOutputs(): FunctionCallOutputItem[] {
    return this.input.filter(
      (item): item is FunctionCallOutputItem => isRecord(item) && item.type === "function_call_output",
    );
  }

  /** Names of the tools offered to the model. */
  get toolNames(): string[] {
    const tools = Array.isArray(this.body.tools) ? this.body.tools : [];
    return tools.flatMap((tool) => (isRecord(tool) && typeof tool.name === "string" ? [tool.name] : []));
  }

  /** `input_text` / `output_text` parts of every message with this role. */
  messageTexts(role: "user" | "assistant" | "developer" | "system"): string[] {
    const texts: string[] = [];
    for (const item of this.input) {
      if (!isRecord(item) || item.type !== "message" || item.role !== role || !Array.isArray(item.content))
        continue;
      for (const part of item.content) {
        if (isRecord(part) && typeof part.text === "string") texts.push(part.text);
      }
    }
    return texts;
  }
}
