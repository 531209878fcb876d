import type { TurnSteerResponse, UserInput } from "@codex-app-server/protocol";
import { fromCallback } from "xstate";

/** A steer asked for: its handle-assigned id and the input to add. */
export interface SteerRequest {
  id: string;
  input: UserInput[];
}

/** What a steer actor reports to its turn. */
export type SteerActorEvent =
  | { type: "steer.accepted"; id: string; response: TurnSteerResponse }
  | { type: "steer.rejected"; id: string; error: unknown };

export interface SteerActorInput {
  threadId: string;
  turnId: string;
  steer: SteerRequest;
}

/** Sends one `turn/steer`; the client provides the request function. */
export type SteerRequestFn = (
  params: { threadId: string; expectedTurnId: string; input: UserInput[] },
  signal: AbortSignal,
) => Promise<TurnSteerResponse>;

/**
 * The steer actor: sends `turn/steer` and reports back to its turn. Stopping it (the turn is
 * interrupted or ends) aborts the request.
 */
export function steerActor(request: SteerRequestFn) {
  return fromCallback<SteerActorEvent, SteerActorInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const { id } = input.steer;
    request(
      { threadId: input.threadId, expectedTurnId: input.turnId, input: input.steer.input },
      controller.signal,
    ).then(
      (response) => {
        if (!controller.signal.aborted) sendBack({ type: "steer.accepted", id, response });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) sendBack({ type: "steer.rejected", id, error });
      },
    );
    return () => controller.abort(new Error("the steer was abandoned: the turn is interrupting or ended"));
  });
}
