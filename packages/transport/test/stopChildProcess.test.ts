import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { stopChildProcess } from "../src/node/stdio.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A node fixture, with its exit and its stderr; resolves once it said it is ready. */
async function run(name: string) {
  const child = spawn(process.execPath, [fixture(name)], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr += text;
  });
  await once(child.stdout, "data");
  return { child, exited, stderr: () => stderr };
}

describe("stopChildProcess", () => {
  it("ends stdin first: a child that exits at end of input gets no signal", async () => {
    const { child, exited } = await run("printEnv.mjs");
    await expect(stopChildProcess(child, { exited, stepTimeoutMs: 5000 })).resolves.toBe(true);
    expect(await exited).toEqual([0, null]);
  });

  it("escalates to SIGTERM, then SIGKILL, waiting a step after each", async () => {
    const { child, exited, stderr } = await run("stubbornServer.mjs");
    await expect(stopChildProcess(child, { exited, stepTimeoutMs: 500 })).resolves.toBe(true);
    expect(await exited).toEqual([null, "SIGKILL"]);
    expect(stderr()).toContain("stdin closed, staying alive");
    expect(stderr()).toContain("got SIGTERM, ignoring it");
  });

  it("with endStdinFirst: false sends SIGTERM at once", async () => {
    const { child, exited } = await run("printEnv.mjs");
    // printEnv would exit at end of input; the signal comes first.
    await expect(
      stopChildProcess(child, { exited, stepTimeoutMs: 5000, endStdinFirst: false }),
    ).resolves.toBe(true);
    expect(await exited).toEqual([null, "SIGTERM"]);
  });
});
