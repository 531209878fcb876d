import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BUNDLE_FILE = "codex_app_server_protocol.schemas.json";

/**
 * Runs `codex app-server <subcommand> --out <dir>` with an empty CODEX_HOME (so the user's config and
 * feature flags cannot change the output) and hands the output directory to `read`.
 */
export function withServerOutput<T>(binaryPath: string, subcommand: string, read: (dir: string) => T): T {
  const work = mkdtempSync(join(tmpdir(), "codex-protocol-"));
  try {
    const home = join(work, "home");
    const out = join(work, "out");
    mkdirSync(home);
    execFileSync(binaryPath, ["app-server", subcommand, "--out", out], {
      env: { ...process.env, CODEX_HOME: home },
      stdio: ["ignore", "ignore", "pipe"],
    });
    return read(out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The combined v1 + v2 JSON Schema bundle the binary generates. */
export function readServerSchema(binaryPath: string): unknown {
  return withServerOutput(binaryPath, "generate-json-schema", (dir) =>
    JSON.parse(readFileSync(join(dir, BUNDLE_FILE), "utf8")),
  );
}
