import type { ClientRequestMap } from "@codex-app-server/protocol";
import type { RequestOptions } from "@codex-app-server/transport";

/** A client method of the protocol. */
export type ClientMethod = keyof ClientRequestMap & string;

/**
 * The arguments after the method of `client.request`: the params may be left out when the method takes
 * none, or when every field of its params is optional (then `{}` is sent, see {@link paramsToSend}).
 */
export type RequestParamsArgs<P> = undefined extends P
  ? [params?: P, options?: RequestOptions]
  : {} extends P
    ? [params?: P, options?: RequestOptions]
    : [params: P, options?: RequestOptions];

/**
 * What to send for params left out: nothing when the method's params may be absent (the server takes
 * `configRequirements/read` without any), else `{}`, which is what a method whose params are all
 * optional needs (codex-cli 0.169.0 answers `model/list`, `thread/list` or `config/read` without
 * params with -32600 "missing field `params`").
 */
export async function paramsToSend(method: string, params: unknown): Promise<unknown> {
  if (params !== undefined) return params;
  // The schema tables (and zod) load only here, when params were left out: never on the hot path.
  const { CLIENT_REQUEST_SCHEMAS } = await import("@codex-app-server/protocol/schemas");
  const schema = CLIENT_REQUEST_SCHEMAS.get(method)?.params;
  if (schema === undefined || schema.safeParse(undefined).success) return undefined;
  return {};
}
