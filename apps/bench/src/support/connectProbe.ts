/**
 * One cold connection, in a fresh Node process: `connectProbe <sdk|bare> <launch JSON>` imports what a
 * client needs, starts `codex app-server` over stdio, initializes, and prints
 * `{"importMs","connectMs"}` (from before the first import to the `initialize` answer), then exits.
 *
 * - `sdk`: `connectStdio` from `@codex-app-server/client/node` (validation lenient, the default),
 *   which spawns the server, then loads the client while the server boots. `importMs` is what loads
 *   before the spawn. `--node` takes another module path (an older build).
 * - `bare`: `node:child_process` and a hand-written JSON-lines exchange of `initialize` over the same
 *   stdio pipes: nothing a JSON-RPC client could leave out.
 */
interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

const [mode, launchJson, ...rest] = process.argv.slice(2);
const launch = JSON.parse(launchJson ?? "{}") as Launch;
const option = (name: string): string | undefined => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};

async function sdk(): Promise<{ importMs: number; connectMs: number }> {
  const start = performance.now();
  const { connectStdio } = (await import(
    option("--node") ?? "@codex-app-server/client/node"
  )) as typeof import("@codex-app-server/client/node");
  const imported = performance.now();
  const client = await connectStdio(launch);
  const connected = performance.now();
  await client.close();
  return { importMs: imported - start, connectMs: connected - start };
}

async function bare(): Promise<{ importMs: number; connectMs: number }> {
  const start = performance.now();
  const { spawn } = await import("node:child_process");
  const imported = performance.now();
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    stdio: ["pipe", "pipe", "ignore"],
  });
  child.stdout.setEncoding("utf8");
  const answered = new Promise<void>((resolve, reject) => {
    let rest = "";
    child.stdout.on("data", (text: string) => {
      rest += text;
      let newline = rest.indexOf("\n");
      while (newline >= 0) {
        const message = JSON.parse(rest.slice(0, newline)) as { id?: unknown; error?: unknown };
        rest = rest.slice(newline + 1);
        newline = rest.indexOf("\n");
        if (message.id !== 0) continue;
        if (message.error !== undefined) reject(new Error(JSON.stringify(message.error)));
        else resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited (code ${code})`)));
  });
  child.stdin.write(
    `${JSON.stringify({
      id: 0,
      method: "initialize",
      params: { clientInfo: { name: "bare", title: null, version: "0" }, capabilities: null },
    })}\n`,
  );
  await answered;
  child.stdin.write(`${JSON.stringify({ method: "initialized" })}\n`);
  const connected = performance.now();
  child.stdin.end();
  child.kill();
  return { importMs: imported - start, connectMs: connected - start };
}

const result = mode === "sdk" ? await sdk() : mode === "bare" ? await bare() : undefined;
if (result === undefined) {
  console.error("usage: connectProbe <sdk|bare> <launch JSON> [--node PATH]");
  process.exit(2);
}
console.log(JSON.stringify(result));
process.exit(0);
export {};
