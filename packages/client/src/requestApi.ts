import type {
  ClientRequestMap,
  CommandExecParams,
  CommandExecResponse,
  ConfigReadParams,
  ConfigReadResponse,
  ConfigRequirementsReadResponse,
  ConfigWriteResponse,
  ModelListParams,
  ModelListResponse,
  ThreadListParams,
  ThreadListResponse,
  ThreadReadResponse,
  ThreadRevertResponse,
  ThreadSetNameResponse,
} from "@codex-app-server/protocol";
import type { RequestOptions } from "@codex-app-server/transport";
import { CodexMethodNotFoundError } from "@codex-app-server/transport";
import type { ClientConnection } from "./connection.js";
import { CodexUsageError } from "./errors.js";
import type { CodexClientOptions, ConfigBatchWrite, ConfigValueWrite, ThreadDefaults } from "./options.js";
import type { ClientMethod, RequestParamsArgs } from "./requestParams.js";
import { paramsToSend } from "./requestParams.js";

/**
 * The client's plain requests: one server method each, nothing kept. `CodexClient` adds threads,
 * turns and conversations on top.
 */
export abstract class CodexRequestApi {
  protected abstract readonly connection: ClientConnection;
  protected abstract readonly options: CodexClientOptions;

  /**
   * Sends any request the protocol knows; the result type follows from the method. Params may be left
   * out when the method takes none, or when all of them are optional: `{}` is sent then
   * (`client.request("model/list")`).
   */
  async request<M extends ClientMethod>(
    method: M,
    ...args: RequestParamsArgs<ClientRequestMap[M]["params"]>
  ): Promise<ClientRequestMap[M]["result"]> {
    const [params, options] = args as [unknown, RequestOptions | undefined];
    await this.connection.ready(options?.signal);
    return (await this.connection.peer.requestUntyped(
      method,
      params !== undefined ? params : await paramsToSend(method, params),
      options,
    )) as ClientRequestMap[M]["result"];
  }

  /**
   * Reads a thread. Its turns are included unless `includeTurns: false` (the Python SDK's default).
   * When that default meets a thread whose turns the server cannot list yet (codex-cli 0.169.0 answers
   * -32601 "list_turns is not supported yet" before a thread's first turn), the thread is read again
   * without them; asked for explicitly, the refusal is thrown.
   */
  async readThread(threadId: string, options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    if (options.includeTurns !== undefined) {
      return this.request("thread/read", { threadId, includeTurns: options.includeTurns });
    }
    try {
      return await this.request("thread/read", { threadId, includeTurns: true });
    } catch (error) {
      if (!(error instanceof CodexMethodNotFoundError)) throw error;
      return this.request("thread/read", { threadId, includeTurns: false });
    }
  }

  listThreads(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    return this.request("thread/list", params);
  }

  /** Rolls a thread back to before `beforeTurnId` (`thread/revert`; the server's rollback). */
  revertThread(threadId: string, beforeTurnId: string): Promise<ThreadRevertResponse> {
    return this.request("thread/revert", { threadId, beforeTurnId });
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

  listModels(params: ModelListParams = {}): Promise<ModelListResponse> {
    return this.request("model/list", params);
  }

  readConfig(params: ConfigReadParams = {}): Promise<ConfigReadResponse> {
    return this.request("config/read", params);
  }

  /** Writes one config value; `mergeStrategy` defaults to `"upsert"` (the server requires one). */
  writeConfigValue(params: ConfigValueWrite): Promise<ConfigWriteResponse> {
    return this.request("config/value/write", { ...params, mergeStrategy: params.mergeStrategy ?? "upsert" });
  }

  /** Writes several config values at once; each edit's `mergeStrategy` defaults to `"upsert"`. */
  batchWriteConfig(params: ConfigBatchWrite): Promise<ConfigWriteResponse> {
    return this.request("config/batchWrite", {
      ...params,
      edits: params.edits.map((edit) => ({ ...edit, mergeStrategy: edit.mergeStrategy ?? "upsert" })),
    });
  }

  readConfigRequirements(): Promise<ConfigRequirementsReadResponse> {
    return this.request("configRequirements/read");
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
