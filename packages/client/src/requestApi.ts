import type {
  ClientRequestMap,
  CommandExecParams,
  CommandExecResponse,
  ConfigBatchWriteParams,
  ConfigReadParams,
  ConfigReadResponse,
  ConfigRequirementsReadResponse,
  ConfigValueWriteParams,
  ConfigWriteResponse,
  ModelListParams,
  ModelListResponse,
  ReviewStartParams,
  ReviewStartResponse,
  ThreadCompactStartResponse,
  ThreadListParams,
  ThreadListResponse,
  ThreadReadResponse,
  ThreadRevertResponse,
  ThreadSetNameResponse,
} from "@codex-app-server/protocol";
import type { ClientConnection } from "./connection.js";
import { CodexUsageError } from "./errors.js";
import type { CodexClientOptions, ThreadDefaults } from "./options.js";

/**
 * The client's plain requests: one server method each, nothing kept. `CodexClient` adds threads,
 * turns and conversations on top.
 */
export abstract class CodexRequestApi {
  protected abstract readonly connection: ClientConnection;
  protected abstract readonly options: CodexClientOptions;

  /** Sends any request the protocol knows; the result type follows from the method. */
  async request<M extends keyof ClientRequestMap & string>(
    method: M,
    params: ClientRequestMap[M]["params"],
    options?: { timeoutMs?: number | null; signal?: AbortSignal },
  ): Promise<ClientRequestMap[M]["result"]> {
    await this.connection.ready();
    return this.connection.peer.request(method, params, options);
  }

  readThread(threadId: string, options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.request("thread/read", { threadId, ...options });
  }

  listThreads(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    return this.request("thread/list", params);
  }

  /** Rolls a thread back to before `beforeTurnId` (`thread/revert`; the server's rollback). */
  revertThread(threadId: string, beforeTurnId: string): Promise<ThreadRevertResponse> {
    return this.request("thread/revert", { threadId, beforeTurnId });
  }

  compactThread(threadId: string): Promise<ThreadCompactStartResponse> {
    return this.request("thread/compact/start", { threadId });
  }

  setThreadName(threadId: string, name: string): Promise<ThreadSetNameResponse> {
    return this.request("thread/name/set", { threadId, name });
  }

  /**
   * Sets defaults for a thread's later turns (`thread/settings/update`). Experimental in codex-cli
   * 0.169.0: needs `experimentalApi: true`, else it is refused here without a request.
   */
  async updateThreadDefaults(threadId: string, defaults: ThreadDefaults): Promise<Record<string, unknown>> {
    if (!this.options.experimentalApi) {
      throw new CodexUsageError(
        "thread/settings/update is experimental: create the client with experimentalApi: true",
      );
    }
    await this.connection.ready();
    return (await this.connection.peer.requestUntyped("thread/settings/update", {
      ...omitUndefined(defaults),
      threadId,
    })) as Record<string, unknown>;
  }

  startReview(params: ReviewStartParams): Promise<ReviewStartResponse> {
    return this.request("review/start", params);
  }

  listModels(params: ModelListParams = {}): Promise<ModelListResponse> {
    return this.request("model/list", params);
  }

  readConfig(params: ConfigReadParams = {}): Promise<ConfigReadResponse> {
    return this.request("config/read", params);
  }

  writeConfigValue(params: ConfigValueWriteParams): Promise<ConfigWriteResponse> {
    return this.request("config/value/write", params);
  }

  batchWriteConfig(params: ConfigBatchWriteParams): Promise<ConfigWriteResponse> {
    return this.request("config/batchWrite", params);
  }

  readConfigRequirements(): Promise<ConfigRequirementsReadResponse> {
    return this.request(
      "configRequirements/read",
      undefined as ClientRequestMap["configRequirements/read"]["params"],
    );
  }

  execCommand(params: CommandExecParams): Promise<CommandExecResponse> {
    return this.request("command/exec", params);
  }
}

/** Unset fields are left out of the request; `null` is kept and sent as null. */
export function omitUndefined<T extends object>(value: T): T {
  for (const key in value) {
    if (value[key] === undefined) {
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
    }
  }
  return value;
}
