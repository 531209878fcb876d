#!/usr/bin/env node
import { FakeAppServer } from "../fake/fakeAppServer.js";
import { readScenarioFile } from "../node/scenarioFile.js";
import { StdioServerTransport } from "../node/stdioServerTransport.js";

const USAGE = `usage: codex-fake-app-server [scenario.json]

Serves one connection of a scripted fake codex app-server over stdin/stdout (newline-delimited
JSON), and exits when stdin closes. The scenario file (or $CODEX_FAKE_SCENARIO) holds
{ "turns": [...], "defaultTurn": [...], "handlers": { "method": result } }.
`;

async function main(): Promise<number> {
  const arg = process.argv[2];
  if (arg === "--help" || arg === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  const scenarioPath = arg ?? process.env.CODEX_FAKE_SCENARIO;
  let options = {};
  try {
    if (scenarioPath) options = await readScenarioFile(scenarioPath);
  } catch (error) {
    process.stderr.write(`codex-fake-app-server: ${(error as Error).message}\n`);
    return 2;
  }
  const fake = new FakeAppServer({
    ...options,
    onError: (error) => process.stderr.write(`codex-fake-app-server: ${error.message}\n`),
  });
  const transport = new StdioServerTransport();
  const connection = await fake.serve(transport);
  await connection.closed;
  await fake.close();
  await transport.flushed();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`codex-fake-app-server: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
