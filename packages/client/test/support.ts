import type { FakeAppServerOptions } from "@codex-app-server/testing";
import { FakeAppServer, step } from "@codex-app-server/testing";
import type { CodexClientOptions } from "../src/index.js";
import { CodexClient } from "../src/index.js";

/** A client over the in-memory pair, talking to a fake server; strict validation, errors collected. */
export function connectToFake(
  fakeOptions: FakeAppServerOptions = {},
  clientOptions: CodexClientOptions = {},
) {
  const { server, transport } = FakeAppServer.inMemory(fakeOptions);
  const errors: Error[] = [];
  const client = new CodexClient(transport, {
    validation: "strict",
    onError: (error) => errors.push(error),
    ...clientOptions,
  });
  return {
    server,
    client,
    errors,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}

/** Resolves when `predicate` holds for the actor's snapshot (checked now and on every change). */
export function waitForSnapshot<S>(
  actor: { getSnapshot(): S; subscribe(fn: (s: S) => void): { unsubscribe(): void } },
  predicate: (snapshot: S) => boolean,
): Promise<S> {
  return new Promise((resolve) => {
    if (predicate(actor.getSnapshot())) return resolve(actor.getSnapshot());
    const sub = actor.subscribe((s) => {
      if (predicate(s)) {
        sub.unsubscribe();
        resolve(s);
      }
    });
  });
}

/** A turn whose command asks for approval, then a message. */
export const execWithApproval = () => [
  step.exec("touch marker", { output: "", approval: { reason: "needs write" } }),
  step.message("after"),
];

/** The status of the turn's command item. */
export function commandStatus(result: { items: Array<{ type: string }> }): string | undefined {
  const item = result.items.find((i) => i.type === "commandExecution") as { status?: string } | undefined;
  return item?.status;
}
