import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A model provider that points at a dead port: enough for handshakes, `model/list`,
 * `thread/start`; a turn would fail to reach it.
 */
const CONFIG_TOML = `model = "mock-model"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "read-only"

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:9/v1"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
`;

export interface TempCodexHome extends AsyncDisposable {
  dir: string;
  /** Environment for the server: CODEX_HOME and a dummy OPENAI_API_KEY. */
  env: Record<string, string>;
}

export async function createCodexHome(): Promise<TempCodexHome> {
  const dir = await mkdtemp(join(tmpdir(), "codex-home-"));
  await writeFile(join(dir, "config.toml"), CONFIG_TOML);
  return {
    dir,
    env: { CODEX_HOME: dir, OPENAI_API_KEY: "x" },
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}
