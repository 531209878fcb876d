import { fileURLToPath } from "node:url";

/** How to start the `codex-fake-app-server` bin: the shape `StdioTransport` takes. */
export interface FakeAppServerCommand {
  command: string;
  args: string[];
}

/**
 * The command that runs this package's stdio bin with the current Node.js, followed by `args`
 * (usually a scenario file's path): `new StdioTransport(fakeAppServerCommand(scenario.path))`.
 * Works from the published package and, in this repository, from the sources (through tsx).
 */
export function fakeAppServerCommand(...args: string[]): FakeAppServerCommand {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const bin = fileURLToPath(new URL("../bin/fakeAppServer.ts", here));
    return {
      command: process.execPath,
      args: ["--conditions=@codex-app-server/source", "--import", "tsx", bin, ...args],
    };
  }
  return {
    command: process.execPath,
    args: [fileURLToPath(new URL("./bin/fakeAppServer.js", here)), ...args],
  };
}
