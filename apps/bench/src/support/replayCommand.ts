import { fileURLToPath } from "node:url";
import type { ChildCommand } from "./lineClient.js";

/**
 * The command that runs the replay server on `recordingPath`: the built script next to the bench's
 * bundle, or, when running from the sources (tests), the TypeScript file through tsx.
 */
export function replayServerCommand(recordingPath: string): ChildCommand {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    return {
      command: process.execPath,
      args: ["--import", "tsx", fileURLToPath(new URL("./replayServer.ts", here)), recordingPath],
    };
  }
  return {
    command: process.execPath,
    args: [fileURLToPath(new URL("./replayServer.js", here)), recordingPath],
  };
}
