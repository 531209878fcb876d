import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CodexVersion } from "@codex-app-server/protocol";
import { ScriptedModel } from "../scriptedModel/scriptedModel.js";
import type { AppServerLaunch, AppServerProcess, SpawnAppServerOptions } from "./appServerProcess.js";
import { spawnAppServer } from "./appServerProcess.js";
import type { CodexRelease } from "./codexRelease.js";
import { hasStartupConfigFlag, selectCodexRelease } from "./codexRelease.js";
import { checkConfigOverRpc } from "./configCheckOverRpc.js";
import type { TomlTable } from "./configToml.js";
import { mergeTomlTables, renderToml } from "./configToml.js";
import { RealAppServerError } from "./errors.js";

export type RealAppServerTransport = "stdio" | "websocket";
export type ApprovalPolicy = "on-request" | "never" | (string & {});
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";

export interface StartRealAppServerOptions {
  /** The stand-in model; when omitted one is started and closed with the server. */
  model?: ScriptedModel;
  /** Default `stdio`: the caller (a stdio transport, or `server.spawn()`) starts the process. */
  transport?: RealAppServerTransport;
  /** Default `on-request`: commands asking for escalation need the client's approval. */
  approvalPolicy?: ApprovalPolicy;
  /** Default `workspace-write`. */
  sandboxMode?: SandboxMode;
  /** Extra config: a table merged over the defaults, or raw TOML lines appended to config.toml. */
  config?: string | TomlTable;
  /**
   * Extra environment; `undefined` removes a variable. `HOME` is a new empty temp dir by default
   * (removed on close): the server runs `bash -lc` for commands and at thread start, and a user's slow
   * shell profile must not stall a test. Pass `env: { HOME: ... }` to choose another.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** The workspace the server runs in (and commands run in). Default: a new temp dir, removed on close. */
  cwd?: string;
  /**
   * The codex executable, or executable plus leading args. Default: `codexVersion`, else the
   * `CODEX_APP_SERVER_BIN` (a path) or `CODEX_TEST_VERSION` (a release) environment variable, else the
   * binary of the installed `@openai/codex`.
   */
  codexCommand?: string | readonly [string, ...string[]];
  /** A release installed next to this package (`@openai/codex` at that version, or the alias `codex-<version>`). */
  codexVersion?: string;
  /** Start a codex outside `SUPPORTED_CODEX_RANGE` instead of refusing it. */
  allowUnsupportedVersion?: boolean;
  /** WebSocket only: how long to wait for the server to listen (default 20000 ms). */
  startupTimeoutMs?: number;
  /** Stderr lines kept for diagnostics (default 50). */
  stderrLines?: number;
  /**
   * Refuse unknown config keys (default true). The configuration is always checked before the
   * server is used: an invalid config.toml would otherwise make codex fall back to its defaults,
   * the real OpenAI endpoint included.
   */
  strictConfig?: boolean;
}

/**
 * What a stdio transport needs to spawn the server itself. `env` only holds what differs from
 * `process.env` (merge it over `process.env`); a key set to `undefined` must be removed.
 */
export interface StdioLaunchOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

/** The model name written to config.toml. */
export const SCRIPTED_MODEL_NAME = "mock-model";
/** The model provider id written to config.toml. */
export const SCRIPTED_PROVIDER_ID = "scripted_model";

interface Environment {
  codexHome: string;
  home: string;
  ownsHome: boolean;
  workspace: string;
  ownsWorkspace: boolean;
  model: ScriptedModel;
  ownsModel: boolean;
  launch: AppServerLaunch;
  envChanges: Record<string, string | undefined>;
  stderrLines: number | undefined;
  release: CodexRelease;
}

/** Shared by both transports: the temp CODEX_HOME, the workspace, the model, and cleanup. */
abstract class RealAppServerBase implements AsyncDisposable {
  abstract readonly transport: RealAppServerTransport;
  /** The temporary CODEX_HOME (config.toml, sessions). Removed on close. */
  readonly codexHome: string;
  /** The server's HOME: a private temp dir unless `env.HOME` chose one. */
  readonly home: string;
  /** The server's cwd, where `exec_command` runs. */
  readonly workspace: string;
  readonly model: ScriptedModel;
  /** The codex-cli release running (from `codex --version`); undefined for a stand-in command that does not say. */
  readonly codexVersion: CodexVersion | undefined;
  readonly #launch: AppServerLaunch;
  readonly #envChanges: Record<string, string | undefined>;
  readonly #stderrLines: number | undefined;
  readonly #processes = new Set<AppServerProcess>();
  readonly #ownsWorkspace: boolean;
  readonly #ownsHome: boolean;
  readonly #ownsModel: boolean;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link startRealAppServer}. */
  constructor(environment: Environment) {
    this.codexHome = environment.codexHome;
    this.home = environment.home;
    this.workspace = environment.workspace;
    this.model = environment.model;
    this.codexVersion = environment.release.version;
    this.#launch = environment.launch;
    this.#envChanges = environment.envChanges;
    this.#stderrLines = environment.stderrLines;
    this.#ownsWorkspace = environment.ownsWorkspace;
    this.#ownsHome = environment.ownsHome;
    this.#ownsModel = environment.ownsModel;
  }

  get command(): string {
    return this.#launch.command;
  }

  get args(): string[] {
    return [...this.#launch.args];
  }

  get cwd(): string {
    return this.#launch.cwd;
  }

  /** The whole environment the server runs with (CODEX_HOME, a dummy OPENAI_API_KEY, inherited variables). */
  get env(): Record<string, string> {
    return { ...this.#launch.env };
  }

  /** Only what differs from `process.env`: set keys, and removed ones as `undefined`. */
  get envChanges(): Record<string, string | undefined> {
    return { ...this.#envChanges };
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Kills the processes started here, closes an owned model, removes the temp dirs. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#processes].map((child) => child.kill()));
      if (this.#ownsModel) await this.model.close();
      await removeDir(this.codexHome);
      if (this.#ownsWorkspace) await removeDir(this.workspace);
      if (this.#ownsHome) await removeDir(this.home);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  protected async spawnTracked(options: SpawnAppServerOptions): Promise<AppServerProcess> {
    if (this.closed)
      throw new RealAppServerError("invalid_options", "this real app-server fixture is closed");
    const child = await spawnAppServer(this.#launch, { stderrLines: this.#stderrLines, ...options });
    this.track(child);
    return child;
  }

  protected track(child: AppServerProcess): void {
    this.#processes.add(child);
    void child.exited.then(() => this.#processes.delete(child));
  }
}

/** `codex app-server` over stdio: the launch options for a stdio transport, or `spawn()` for raw JSON lines. */
export class StdioRealAppServer extends RealAppServerBase {
  readonly transport = "stdio" as const;

  /** `{ command, args, cwd, env }`, the options of `StdioTransport` from `@codex-app-server/transport/stdio`. */
  get stdioOptions(): StdioLaunchOptions {
    return { command: this.command, args: this.args, cwd: this.cwd, env: this.envChanges };
  }

  /** Starts one server process with piped stdio; it is killed when this fixture closes. */
  spawn(options: Omit<SpawnAppServerOptions, "redact"> = {}): Promise<AppServerProcess> {
    return this.spawnTracked(options);
  }
}

/** `codex app-server --listen ws://127.0.0.1:PORT` with a capability token. */
export class WebSocketRealAppServer extends RealAppServerBase {
  readonly transport = "websocket" as const;
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  readonly process: AppServerProcess;
  readonly #token: string;

  /** @internal Use {@link startRealAppServer}. */
  constructor(environment: Environment, details: { url: string; token: string; process: AppServerProcess }) {
    super(environment);
    this.url = details.url;
    this.#token = details.token;
    this.process = details.process;
    this.track(details.process);
  }

  /** The capability token, sent as `Authorization: Bearer <token>`. Never printed by this kit. */
  get token(): string {
    return this.#token;
  }

  /** `{ Authorization: "Bearer <token>" }` for the WebSocket upgrade request. */
  get headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.#token}` };
  }

  get pid(): number {
    return this.process.pid;
  }

  get readyzUrl(): string {
    return `${this.url.replace(/^ws:/, "http:")}/readyz`;
  }

  get healthzUrl(): string {
    return `${this.url.replace(/^ws:/, "http:")}/healthz`;
  }

  /** The last lines of the server's stderr (token redacted). */
  stderrTail(): string {
    return this.process.stderr.text();
  }
}

export function startRealAppServer(
  options?: StartRealAppServerOptions & { transport?: "stdio" },
): Promise<StdioRealAppServer>;
export function startRealAppServer(
  options: StartRealAppServerOptions & { transport: "websocket" },
): Promise<WebSocketRealAppServer>;
export function startRealAppServer(
  options?: StartRealAppServerOptions,
): Promise<StdioRealAppServer | WebSocketRealAppServer>;
/**
 * Prepares the real, pinned `codex app-server` to run offline against a {@link ScriptedModel}:
 * a temporary CODEX_HOME whose config.toml points at the model, a workspace, and (for the
 * WebSocket transport) a running server with a random capability token.
 *
 * ```ts
 * await using server = await startRealAppServer({ transport: "websocket" });
 * ```
 */
export async function startRealAppServer(
  options: StartRealAppServerOptions = {},
): Promise<StdioRealAppServer | WebSocketRealAppServer> {
  const transport = options.transport ?? "stdio";
  if (transport !== "stdio" && transport !== "websocket") {
    throw new RealAppServerError("invalid_options", `unknown transport ${JSON.stringify(transport)}`);
  }
  const release = await selectCodexRelease({
    ...(options.codexCommand === undefined ? {} : { codexCommand: options.codexCommand }),
    ...(options.codexVersion === undefined ? {} : { codexVersion: options.codexVersion }),
    ...(options.allowUnsupportedVersion === undefined
      ? {}
      : { allowUnsupportedVersion: options.allowUnsupportedVersion }),
  });
  const { command, leadingArgs } = release;
  const model = options.model ?? (await ScriptedModel.start());
  const cleanup: Array<() => Promise<void>> = [];
  if (options.model === undefined) cleanup.push(() => model.close());
  try {
    const codexHome = await realpath(await mkdtemp(join(tmpdir(), "codex-home-")));
    cleanup.push(() => removeDir(codexHome));
    let workspace = options.cwd;
    if (workspace === undefined) {
      const created = await realpath(await mkdtemp(join(tmpdir(), "codex-workspace-")));
      cleanup.push(() => removeDir(created));
      workspace = created;
    }
    let home = options.env?.HOME;
    if (home === undefined) {
      const created = await realpath(await mkdtemp(join(tmpdir(), "codex-user-home-")));
      cleanup.push(() => removeDir(created));
      home = created;
    }
    await writeFile(join(codexHome, "config.toml"), buildConfigToml(model, options), "utf8");
    const envChanges = buildEnvChanges(codexHome, { HOME: home, ...options.env });
    const environment: Environment = {
      codexHome,
      home,
      ownsHome: options.env?.HOME === undefined,
      workspace,
      ownsWorkspace: options.cwd === undefined,
      model,
      ownsModel: options.model === undefined,
      launch: {
        command,
        args: [...leadingArgs, "app-server"],
        cwd: workspace,
        env: applyEnvChanges(envChanges),
      },
      envChanges,
      stderrLines: options.stderrLines,
      release,
    };
    const strict = options.strictConfig ?? true;
    if (await hasStartupConfigFlag(release)) await checkConfig(environment.launch, strict);
    else await checkConfigOverRpc(environment.launch, strict, expectedProvider(model, options));
    if (transport === "stdio") return new StdioRealAppServer(environment);
    return await startWebSocketServer(environment, options.startupTimeoutMs ?? 20_000);
  } catch (error) {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    throw error;
  }
}

function buildConfigToml(model: ScriptedModel, options: StartRealAppServerOptions): string {
  const defaults: TomlTable = {
    model: SCRIPTED_MODEL_NAME,
    model_provider: SCRIPTED_PROVIDER_ID,
    approval_policy: options.approvalPolicy ?? "on-request",
    sandbox_mode: options.sandboxMode ?? "workspace-write",
    model_providers: {
      [SCRIPTED_PROVIDER_ID]: {
        name: "Scripted model",
        base_url: model.baseUrl,
        wire_api: "responses",
        request_max_retries: 0,
        stream_max_retries: 0,
      },
    },
    analytics: { enabled: false },
  };
  if (options.config === undefined) return renderToml(defaults);
  if (typeof options.config === "string") return `${renderToml(defaults)}${options.config}\n`;
  return renderToml(mergeTomlTables(defaults, options.config));
}

/** The provider and base URL the written config.toml selects (an object `config` may change them). */
function expectedProvider(
  model: ScriptedModel,
  options: StartRealAppServerOptions,
): {
  provider: string;
  baseUrl: string;
} {
  const table = typeof options.config === "object" ? options.config : {};
  const provider = typeof table.model_provider === "string" ? table.model_provider : SCRIPTED_PROVIDER_ID;
  const providers = table.model_providers as Record<string, { base_url?: unknown } | undefined> | undefined;
  const baseUrl = providers?.[provider]?.base_url;
  return { provider, baseUrl: typeof baseUrl === "string" ? baseUrl : model.baseUrl };
}

function buildEnvChanges(
  codexHome: string,
  extra: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string | undefined> {
  const changes: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) {
    // Inherited CODEX_* settings (another CODEX_HOME, sandbox markers) would leak into the test server.
    if (key.startsWith("CODEX_") || key === "OPENAI_BASE_URL") changes[key] = undefined;
  }
  changes.CODEX_HOME = codexHome;
  changes.OPENAI_API_KEY = "sk-scripted-model-offline";
  return { ...changes, ...extra };
}

function applyEnvChanges(changes: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...changes })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Runs `codex app-server --print-startup-config`, which loads the configuration and exits. */
function checkConfig(launch: AppServerLaunch, strict: boolean): Promise<void> {
  const args = [...launch.args, ...(strict ? ["--strict-config"] : []), "--print-startup-config"];
  return new Promise((resolve, reject) => {
    execFile(
      launch.command,
      args,
      { cwd: launch.cwd, env: launch.env, timeout: 30_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve();
          return;
        }
        const stderrTail = stderr.split("\n").slice(-20).join("\n");
        const spawnFailed = typeof error.code === "string";
        const reported = configErrorMessage(stdout);
        if (reported !== undefined) {
          reject(
            new RealAppServerError("invalid_config", `codex rejected the configuration: ${reported}`, {
              stderrTail,
            }),
          );
        } else {
          reject(
            new RealAppServerError(
              "app_server_exited",
              spawnFailed
                ? `could not start ${launch.command}: ${error.message}`
                : `${launch.command} ${args.join(" ")} failed (code ${error.code}, signal ${error.signal}); stderr:\n${stderrTail}`,
              { cause: error, stderrTail },
            ),
          );
        }
      },
    );
  });
}

function configErrorMessage(stdout: string): string | undefined {
  for (const line of stdout.split("\n")) {
    try {
      const parsed = JSON.parse(line) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === "string") return parsed.error.message;
    } catch {
      // not the JSON error line
    }
  }
  return undefined;
}

const LISTENING_PATTERN = /listening on:\s*(ws:\/\/\S+)/;

async function startWebSocketServer(
  environment: Environment,
  timeoutMs: number,
): Promise<WebSocketRealAppServer> {
  const token = randomBytes(32).toString("hex");
  const tokenFile = join(environment.codexHome, "ws-token");
  await writeFile(tokenFile, token, { encoding: "utf8", mode: 0o600 });
  const serverEnvironment: Environment = {
    ...environment,
    launch: {
      ...environment.launch,
      args: [
        ...environment.launch.args,
        "--listen",
        "ws://127.0.0.1:0",
        "--ws-auth",
        "capability-token",
        "--ws-token-file",
        tokenFile,
      ],
    },
  };
  const child = await spawnAppServer(serverEnvironment.launch, {
    redact: [token],
    stderrLines: environment.stderrLines,
  });
  try {
    const url = await waitForListening(child, timeoutMs);
    await checkReady(`${url.replace(/^ws:/, "http:")}/readyz`, child);
    return new WebSocketRealAppServer(serverEnvironment, { url, token, process: child });
  } catch (error) {
    await child.kill();
    throw error;
  }
}

function waitForListening(child: AppServerProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const stop = child.stderr.onLine((line) => {
      const match = LISTENING_PATTERN.exec(line);
      if (match?.[1] === undefined) return;
      finish();
      resolve(match[1]);
    });
    const timer = setTimeout(() => {
      finish();
      reject(
        new RealAppServerError(
          "app_server_start_timeout",
          `codex app-server did not report a listening address within ${timeoutMs} ms`,
          { stderrTail: child.stderr.text() },
        ),
      );
    }, timeoutMs);
    let settled = false;
    void child.exited.then((exit) => {
      if (settled) return;
      finish();
      reject(
        new RealAppServerError(
          "app_server_exited",
          `codex app-server exited before listening (code ${exit.code}, signal ${exit.signal}); stderr:\n${child.stderr.text()}`,
          { stderrTail: child.stderr.text() },
        ),
      );
    });
    function finish() {
      settled = true;
      stop();
      clearTimeout(timer);
    }
  });
}

function checkReady(url: string, child: AppServerProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      response.resume();
      if (response.statusCode === 200) resolve();
      else {
        reject(
          new RealAppServerError("app_server_start_timeout", `${url} answered ${response.statusCode}`, {
            stderrTail: child.stderr.text(),
          }),
        );
      }
    });
    request.setTimeout(10_000, () => request.destroy(new Error("no answer within 10 s")));
    request.on("error", (error) => {
      reject(
        new RealAppServerError("app_server_exited", `${url} is unreachable: ${error.message}`, {
          cause: error,
          stderrTail: child.stderr.text(),
        }),
      );
    });
  });
}

async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
}
