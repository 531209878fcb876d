import type { ThreadStartResponse, Turn } from "@codex-app-server/protocol";
import type { TcpProxy } from "@codex-app-server/testing";
import { FakeAppServer, startTcpProxy } from "@codex-app-server/testing";
import type { CodexClientOptions } from "../src/index.js";
import { CodexClient } from "../src/index.js";

/**
 * A client on the fake server's websocket, through a TCP proxy the test cuts (strict validation, fast
 * reconnection); every error the client reports is in `errors`. Disposing closes all three.
 */
export async function connectThroughProxy(
  fakeOptions: ConstructorParameters<typeof FakeAppServer>[0] = {},
  clientOptions: CodexClientOptions = {},
) {
  const fake = new FakeAppServer(fakeOptions);
  const listener = await fake.listen();
  const proxy: TcpProxy = await startTcpProxy({ target: { port: Number(new URL(listener.url).port) } });
  const errors: Error[] = [];
  const client = await CodexClient.connectWebSocket({
    url: proxy.wsUrl,
    token: listener.token,
    validation: "strict",
    reconnect: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 50 },
    onError: (error) => errors.push(error),
    ...clientOptions,
  });
  return {
    fake,
    proxy,
    client,
    errors,
    async [Symbol.asyncDispose]() {
      await client.close();
      await proxy.close();
      await fake.close();
    },
  };
}

/**
 * Makes the fake answer `thread/resume` of `threadId` with `turns` as the thread's turns (the fake keeps
 * no turns of its own): what the server has when the client comes back. The rest is the thread's
 * `thread/start` answer. `failFirst` refuses the first resume.
 */
export function answerResumeWith(
  fake: FakeAppServer,
  threadId: string,
  turns: Turn[],
  options: { failFirst?: boolean } = {},
): void {
  const started = fake.sent.find(
    (m) => "result" in m && (m.result as ThreadStartResponse).thread?.id === threadId,
  ) as { result: ThreadStartResponse };
  const answer = { ...started.result, thread: { ...started.result.thread, turns } };
  fake.on("thread/resume", (_params, call) => {
    if (options.failFirst && call === 0) throw new Error("not now");
    return answer;
  });
}
