/** Method names, params and results, read from the ClientRequest/ServerRequest/... unions. */
import { isNode, type JsonSchema, refName, type SchemaBundle, SchemaError } from "./jsonSchema.js";

export interface MethodEntry {
  method: string;
  description: string | undefined;
  /** The `params` property's schema; undefined when the message has no params property. */
  params: JsonSchema | undefined;
  paramsRequired: boolean;
  /**
   * The definition name of the result (requests only); undefined for a request whose result type the
   * schema does not name (typed and validated as `unknown`, with a generator warning).
   */
  result: string | undefined;
}

export interface ProtocolMethods {
  clientRequests: MethodEntry[];
  clientNotifications: MethodEntry[];
  serverRequests: MethodEntry[];
  serverNotifications: MethodEntry[];
  /** What the generator could not resolve and left as `unknown`, one sentence each. */
  warnings: string[];
}

/**
 * Requests whose result type the naming convention cannot find (their params are `null` or an
 * optional `Nullable...Params`). Checked against `client_request_definitions!` in
 * codex-rs/app-server-protocol/src/protocol/common.rs (openai/codex), where each variant lists its
 * `response:` type; the gateway OAuth and security-setup entries are not in the stored copy of that
 * file we could read and follow the response type names the 0.169.0 schema defines for them.
 * The generator fails if an entry names a method or definition the schema does not have. A method in
 * neither this table nor the naming convention gets an `unknown` result and a warning.
 * `modelProvider/default/set` (new in 0.171.0) is left out on purpose: the schema names no response
 * type for it and the stored copies of common.rs predate it.
 */
export const RESULT_TYPE_OVERRIDES: Readonly<Record<string, string>> = {
  "account/gatewayOAuth/cancel": "GatewayOAuthCancelResponse",
  "account/gatewayOAuth/login": "GatewayOAuthLoginResponse",
  "account/gatewayOAuth/read": "GatewayOAuthReadResponse",
  "account/logout": "LogoutAccountResponse",
  "account/rateLimits/read": "GetAccountRateLimitsResponse",
  "account/securitySetup/read": "GetAccountSecuritySetupResponse",
  "account/usage/read": "GetAccountTokenUsageResponse",
  "account/workspaceMessages/read": "GetWorkspaceMessagesResponse",
  "config/batchWrite": "ConfigWriteResponse",
  "config/mcpServer/reload": "McpServerRefreshResponse",
  "config/value/write": "ConfigWriteResponse",
  "configRequirements/read": "ConfigRequirementsReadResponse",
  "externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse",
  "windowsSandbox/readiness": "WindowsSandboxReadinessResponse",
};

/** Section headings of the Rust enums ("NEW APIs") leak into the first variant's doc; drop them. */
function methodDescription(description: string | undefined): string | undefined {
  const text = description?.replace(/^NEW (APIs|NOTIFICATIONS)\s*/, "").trim();
  return text === "" ? undefined : text;
}

function readUnion(bundle: SchemaBundle, name: string): MethodEntry[] {
  const union = bundle.definitions.get(name);
  if (!isNode(union) || union.oneOf === undefined) throw new SchemaError(`${name} is not a oneOf union`);
  const seen = new Set<string>();
  return union.oneOf.map((member, i) => {
    const where = `${name}.oneOf[${i}]`;
    if (!isNode(member) || member.properties === undefined)
      throw new SchemaError(`${where} is not an object`);
    const methodSchema = member.properties.method;
    const method = isNode(methodSchema) ? methodSchema.enum?.[0] : undefined;
    if (typeof method !== "string" || !isNode(methodSchema) || methodSchema.enum?.length !== 1) {
      throw new SchemaError(`${where} has no single method name`);
    }
    if (seen.has(method)) throw new SchemaError(`${name} lists ${method} twice`);
    seen.add(method);
    return {
      method,
      description: methodDescription(member.description),
      params: member.properties.params,
      paramsRequired: member.required?.includes("params") ?? false,
      result: undefined,
    };
  });
}

function conventionalResult(entry: MethodEntry, bundle: SchemaBundle): string | undefined {
  const params = entry.params;
  if (!isNode(params) || params.$ref === undefined) return undefined;
  const paramsName = refName(params.$ref);
  if (!paramsName.endsWith("Params")) return undefined;
  const candidate = `${paramsName.slice(0, -"Params".length)}Response`;
  return bundle.definitions.has(candidate) ? candidate : undefined;
}

function resolveResults(
  entries: MethodEntry[],
  bundle: SchemaBundle,
  overrides: Readonly<Record<string, string>>,
  side: string,
  warnings: string[],
): MethodEntry[] {
  const methods = new Set(entries.map((entry) => entry.method));
  for (const [method, result] of Object.entries(overrides)) {
    if (!methods.has(method)) {
      // An older release may not have the method yet; the pinned one is held to exactly its warnings.
      warnings.push(`RESULT_TYPE_OVERRIDES names ${side} ${method}, which this schema does not have`);
      continue;
    }
    if (!bundle.definitions.has(result))
      throw new SchemaError(`result override ${method} → missing ${result}`);
  }
  const unresolved: string[] = [];
  const resolved = entries.map((entry) => {
    const result = overrides[entry.method] ?? conventionalResult(entry, bundle);
    if (result === undefined) unresolved.push(entry.method);
    return { ...entry, result };
  });
  for (const method of unresolved) {
    warnings.push(
      `the schema names no result type for ${side} ${method}: its result is typed and validated as unknown ` +
        "(add it to RESULT_TYPE_OVERRIDES once the server's common.rs names the response type)",
    );
  }
  return resolved;
}

export function extractMethods(
  bundle: SchemaBundle,
  overrides: Readonly<Record<string, string>> = RESULT_TYPE_OVERRIDES,
): ProtocolMethods {
  const serverNotifications = readUnion(bundle, "ServerNotification");
  for (const entry of serverNotifications) {
    if (!isNode(entry.params) || entry.params.$ref === undefined || !entry.paramsRequired) {
      throw new SchemaError(`server notification ${entry.method} has no params definition`);
    }
  }
  const warnings: string[] = [];
  return {
    clientRequests: resolveResults(
      readUnion(bundle, "ClientRequest"),
      bundle,
      overrides,
      "client request",
      warnings,
    ),
    clientNotifications: readUnion(bundle, "ClientNotification"),
    serverRequests: resolveResults(
      readUnion(bundle, "ServerRequest"),
      bundle,
      {},
      "server request",
      warnings,
    ),
    serverNotifications,
    warnings,
  };
}
