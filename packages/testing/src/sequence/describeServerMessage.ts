/** A server notification or request as it travels: `id` is present on requests only. */
export interface ServerMessageLike {
  method: string;
  params?: unknown;
  id?: unknown;
}

/**
 * A short, stable description of a server message for sequence assertions: the method, plus the
 * detail that tells similar messages apart. `thread/status/changed(active:waitingOnApproval)`,
 * `item/started(commandExecution:inProgress)`, `item/completed(agentMessage)`,
 * `turn/completed(failed)`, and `REQ item/commandExecution/requestApproval` for a server request.
 */
export function describeServerMessage(message: ServerMessageLike): string {
  const { method } = message;
  if (message.id !== undefined) return `REQ ${method}`;
  const params = (message.params ?? {}) as Record<string, unknown>;
  switch (method) {
    case "thread/status/changed": {
      const status = params.status as { type?: string; activeFlags?: string[] } | undefined;
      const flags = status?.activeFlags?.length ? `:${status.activeFlags.join(",")}` : "";
      return `${method}(${status?.type}${flags})`;
    }
    case "item/started":
    case "item/completed": {
      const item = params.item as { type?: string; status?: string } | undefined;
      // Messages and reasoning carry no status; commands and file changes do.
      return `${method}(${item?.type}${item?.status === undefined ? "" : `:${item.status}`})`;
    }
    case "turn/completed":
      return `${method}(${(params.turn as { status?: string } | undefined)?.status})`;
    default:
      return method;
  }
}
