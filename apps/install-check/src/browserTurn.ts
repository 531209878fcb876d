import { CodexClient } from "@codex-app-server/client";

/** What the page reports after one turn: the streamed text, the final response and the turn's status. */
export interface BrowserTurnReport {
  deltas: string;
  finalResponse: string | null;
  status: string;
}

/**
 * One whole turn from a browser: connect with the page's own `WebSocket`, start a thread, stream the
 * turn's text, close. Bundled for the browser by the tests and run in headless Chromium.
 */
export async function runBrowserTurn(url: string, prompt: string): Promise<BrowserTurnReport> {
  const client = await CodexClient.connectWebSocket({ url, WebSocketImpl: WebSocket });
  try {
    const thread = await client.startThread();
    const turn = await thread.turn(prompt);
    let deltas = "";
    for await (const text of turn.textDeltas()) deltas += text;
    const result = await turn.result();
    return { deltas, finalResponse: result.finalResponse, status: result.status };
  } finally {
    await client.close();
  }
}
