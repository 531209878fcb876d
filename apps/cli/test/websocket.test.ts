import { reply, startRealAppServer } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cliProcess.js";

// The CLI over WebSocket to the real app-server (`--listen ws://127.0.0.1:PORT` with a capability token).

describe("codex-chat over WebSocket", () => {
  it("chats with --url and --token, and never prints the token", async () => {
    await using server = await startRealAppServer({ transport: "websocket" });
    server.model.enqueue(reply.message("Hello over the socket.", { chunks: 2 }));
    const run = await runCli([
      "--transport",
      "websocket",
      "--url",
      server.url,
      "--token",
      server.token,
      "-p",
      "hi",
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`codex-chat · websocket ${server.url}`);
    expect(run.stdout).toContain("[codex]\n  Hello over the socket.");
    expect(run.stdout + run.stderr).not.toContain(server.token);
  });

  it("takes the token from CODEX_APP_SERVER_TOKEN and the URL from CODEX_APP_SERVER_WS_URL", async () => {
    await using server = await startRealAppServer({ transport: "websocket" });
    server.model.enqueue(reply.message("Configured by the environment."));
    const run = await runCli(["--transport", "websocket", "--json", "-p", "hi"], {
      env: { CODEX_APP_SERVER_WS_URL: server.url, CODEX_APP_SERVER_TOKEN: server.token },
    });

    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    expect(result).toMatchObject({ type: "result", finalText: "Configured by the environment." });
    expect(run.stdout + run.stderr).not.toContain(server.token);
  });

  it("a wrong token is an authentication error, exit 1, and is not printed either", async () => {
    await using server = await startRealAppServer({ transport: "websocket" });
    const wrong = "not-the-token-0123456789";
    const run = await runCli(["--url", server.url, "--token", wrong, "-p", "hi"]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: .*401.* \[authentication_failed\]/);
    expect(run.stdout + run.stderr).not.toContain(wrong);
    expect(run.stdout + run.stderr).not.toContain(server.token);
  });
});
