import { spawn } from "node:child_process";
import type { AppServerLaunch } from "./appServerProcess.js";
import { RealAppServerError } from "./errors.js";

/** What the server must report having loaded: the provider the tests' model stands in for. */
export interface ExpectedProvider {
  provider: string;
  baseUrl: string;
}

const TIMEOUT_MS = 30_000;

/**
 * The configuration check for releases without `--print-startup-config` (0.163.0): starts
 * `codex app-server` (with `--strict-config` when strict), asks `config/read` for the effective
 * configuration, and refuses unless the model provider and its base URL are the expected ones. A
 * configuration codex could not load ends the process (strict) or shows up as another provider, so an
 * invalid config.toml can never make a test talk to the real OpenAI endpoint.
 */
export function checkConfigOverRpc(
  launch: AppServerLaunch,
  strict: boolean,
  expected: ExpectedProvider,
): Promise<void> {
  const args = [...launch.args, ...(strict ? ["--strict-config"] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let settled = false;
    const finish = (error?: RealAppServerError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      if (error === undefined) resolve();
      else reject(error);
    };
    const stderrTail = () => stderr.split("\n").slice(-20).join("\n");
    const timer = setTimeout(
      () =>
        finish(
          new RealAppServerError("app_server_start_timeout", `${launch.command} did not answer config/read`, {
            stderrTail: stderrTail(),
          }),
        ),
      TIMEOUT_MS,
    );
    timer.unref();
    child.on("error", (error) =>
      finish(
        new RealAppServerError("app_server_exited", `could not start ${launch.command}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    child.stdin.on("error", () => {});
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("exit", (code, signal) => {
      const reported = /^Error: (.*config\.toml.*)$/m.exec(stderr)?.[1];
      finish(
        reported !== undefined
          ? new RealAppServerError("invalid_config", `codex rejected the configuration: ${reported}`, {
              stderrTail: stderrTail(),
            })
          : new RealAppServerError(
              "app_server_exited",
              `${launch.command} ${args.join(" ")} exited before answering config/read (code ${code}, signal ${signal}); stderr:\n${stderrTail()}`,
              { stderrTail: stderrTail() },
            ),
      );
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      let newline = stdout.indexOf("\n");
      while (newline >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        newline = stdout.indexOf("\n");
        let message: {
          id?: unknown;
          result?: { config?: Record<string, unknown> };
          error?: { message?: string };
        };
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message.id !== 1) continue;
        finish(verdict(message, expected, stderrTail()));
      }
    });
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({
      id: 0,
      method: "initialize",
      params: { clientInfo: { name: "codex-config-check", title: null, version: "0" }, capabilities: null },
    });
    send({ method: "initialized" });
    send({ id: 1, method: "config/read", params: { includeLayers: false } });
  });
}

function verdict(
  message: { result?: { config?: Record<string, unknown> }; error?: { message?: string } },
  expected: ExpectedProvider,
  stderrTail: string,
): RealAppServerError | undefined {
  const config = message.result?.config;
  if (config === undefined) {
    return new RealAppServerError(
      "invalid_config",
      `codex could not read back its configuration: ${message.error?.message ?? "no result"}`,
      { stderrTail },
    );
  }
  const providers = config.model_providers as Record<string, { base_url?: unknown } | undefined> | undefined;
  const baseUrl = providers?.[expected.provider]?.base_url;
  if (config.model_provider !== expected.provider || baseUrl !== expected.baseUrl) {
    return new RealAppServerError(
      "invalid_config",
      `codex did not load the configuration written for it: it would use model provider ` +
        `${JSON.stringify(config.model_provider)} at ${JSON.stringify(baseUrl)}, not ` +
        `${JSON.stringify(expected.provider)} at ${JSON.stringify(expected.baseUrl)}`,
      { stderrTail },
    );
  }
  return undefined;
}
