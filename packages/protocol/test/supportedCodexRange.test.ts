import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  codexVersionSupport,
  compareCodexVersions,
  GENERATED_FROM_VERSION,
  parseCodexVersion,
  parseUserAgentVersion,
  SUPPORTED_CODEX_RANGE,
  supportedCodexPeerRange,
} from "../src/index.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function workspacePackages(): PackageJson[] {
  return ["packages", "apps"].flatMap((group) =>
    readdirSync(join(ROOT, group)).map(
      (dir) => JSON.parse(readFileSync(join(ROOT, group, dir, "package.json"), "utf8")) as PackageJson,
    ),
  );
}

describe("the supported codex range", () => {
  it("runs from 0.163.0 to the version the schemas were generated from", () => {
    expect(SUPPORTED_CODEX_RANGE).toEqual({ oldest: "0.163.0", newest: GENERATED_FROM_VERSION });
    expect(supportedCodexPeerRange()).toBe(`>=0.163.0 <=${GENERATED_FROM_VERSION}`);
  });

  it("is what every package.json says: peer ranges follow it, pins are its newest, aliases its oldest", () => {
    const packages = workspacePackages();
    const peers = packages.filter((pkg) => pkg.peerDependencies?.["@openai/codex"] !== undefined);
    expect(peers.map((pkg) => pkg.name).sort()).toEqual([
      "@codex-app-server/client",
      "@codex-app-server/testing",
      "@codex-app-server/transport",
    ]);
    for (const pkg of peers)
      expect(pkg.peerDependencies?.["@openai/codex"], pkg.name).toBe(supportedCodexPeerRange());
    for (const pkg of packages) {
      const pinned = pkg.devDependencies?.["@openai/codex"] ?? pkg.dependencies?.["@openai/codex"];
      if (pinned !== undefined) expect(pinned, pkg.name).toBe(SUPPORTED_CODEX_RANGE.newest);
      for (const [name, spec] of Object.entries(pkg.devDependencies ?? {})) {
        if (spec.startsWith("npm:@openai/codex@")) {
          expect(`${name} ${spec}`, pkg.name).toBe(
            `codex-${SUPPORTED_CODEX_RANGE.oldest} npm:@openai/codex@${SUPPORTED_CODEX_RANGE.oldest}`,
          );
        }
      }
    }
  });

  it("the vitest peer is the vitest the workspace tests with, and no other peer is pinned", () => {
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;
    const tested = root.devDependencies?.vitest;
    expect(tested).toMatch(/^\^4\./);
    const packages = workspacePackages();
    for (const pkg of packages) {
      const peer = pkg.peerDependencies?.vitest;
      if (peer !== undefined) expect(peer, pkg.name).toBe(tested);
      const dev = pkg.devDependencies?.vitest;
      if (dev !== undefined) expect(dev, pkg.name).toBe(tested);
      for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
        // An exact version as a peer range makes npm refuse every other release (ERESOLVE).
        expect(range, `${pkg.name} peer ${name}`).not.toMatch(/^\d+\.\d+\.\d+$/);
      }
    }
  });

  it("says where a version stands", () => {
    expect(codexVersionSupport("0.163.0")).toBe("supported");
    expect(codexVersionSupport(GENERATED_FROM_VERSION)).toBe("supported");
    expect(codexVersionSupport("0.162.9")).toBe("older");
    expect(codexVersionSupport("1.0.0")).toBe("newer");
    expect(codexVersionSupport(`${GENERATED_FROM_VERSION}-alpha.1`)).toBe("supported");
  });
});

describe("codex versions", () => {
  it("are parsed from --version output and from the initialize response's userAgent", () => {
    expect(parseCodexVersion("codex-cli 0.171.0")).toEqual({
      major: 0,
      minor: 171,
      patch: 0,
      prerelease: undefined,
      text: "0.171.0",
    });
    expect(
      parseUserAgentVersion("codex-app-server-sdk-ts/0.171.0 (Debian 12.0.0; x86_64) xterm (sdk; 1.2.3)")
        ?.text,
    ).toBe("0.171.0");
    // The client's own version comes later in the string and is not the server's.
    expect(parseUserAgentVersion("my client 2.0.0/0.163.0 (Mac OS 15.1.0; arm64)")?.text).toBe("0.163.0");
    expect(parseUserAgentVersion("codex_cli_rs/0.172.0-alpha.2 (Linux; x86_64)")?.prerelease).toBe("alpha.2");
    expect(parseUserAgentVersion("no version here")).toBeUndefined();
  });

  it("compare numerically, a pre-release before its release", () => {
    expect(compareCodexVersions("0.99.0", "0.163.0")).toBeLessThan(0);
    expect(compareCodexVersions("0.171.0", "0.171.0")).toBe(0);
    expect(compareCodexVersions("0.171.0-alpha.1", "0.171.0")).toBeLessThan(0);
    expect(compareCodexVersions("0.171.0-alpha.2", "0.171.0-alpha.1")).toBeGreaterThan(0);
    expect(() => compareCodexVersions("x", "0.1.0")).toThrow(TypeError);
  });
});
