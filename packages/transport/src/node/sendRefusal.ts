import { CodexTransportError, ConnectionClosedError } from "../errors/localErrors.js";

/** Why a transport that is not open refuses `send`: not started yet, or already closed. */
export function sendRefusal(label: string, notStartedYet: boolean): Promise<never> {
  return Promise.reject(
    notStartedYet
      ? new CodexTransportError(`cannot send on ${label}: call start() first`, { code: "not_started" })
      : new ConnectionClosedError(`cannot send on ${label}: the transport is closed`),
  );
}
