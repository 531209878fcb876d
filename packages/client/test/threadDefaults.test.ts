import { step } from "@codex-app-server/testing";
import { describe, expect, it } from "vitest";
import { connectToFake } from "./support.js";

const SANDBOX = {
  type: "workspaceWrite",
  writableRoots: [],
  networkAccess: false,
  excludeTmpdirEnvVar: false,
  excludeSlashTmp: false,
};

describe("ThreadHandle.defaults", () => {
  it("is what the server reported when the thread was started, resumed or forked", async () => {
    await using t = connectToFake({ model: "gpt-5.4" });
    const thread = await t.client.startThread({ cwd: "/my/project" });
    expect(thread.defaults).toEqual({
      model: "gpt-5.4",
      modelProvider: "mock",
      cwd: "/my/project",
      approvalPolicy: "on-request",
      approvalsReviewer: "user",
      sandboxPolicy: SANDBOX,
      effort: null,
      serviceTier: null,
      disabledPluginIds: [],
    });
    expect(Object.isFrozen(thread.defaults)).toBe(true);
    const fork = await thread.fork();
    expect(fork.defaults).toMatchObject({ model: "gpt-5.4", cwd: "/workspace" });
    await thread.run("go", { model: "o4" });
    expect(thread.defaults.model).toBe("o4");
    // The fake's resume reports the thread's model: what the server says last wins.
    const resumed = await t.client.resumeThread(thread.id);
    expect(resumed).toBe(thread);
    expect(thread.defaults).toMatchObject({ model: "gpt-5.4", cwd: "/my/project" });
  });

  it("follows updateDefaults and a turn's overrides (kept by the server for later turns); null forgets a field", async () => {
    await using t = connectToFake({ turns: [[step.message("ok")]] }, { experimentalApi: true });
    t.server.on("thread/settings/update" as never, {} as never);
    const thread = await t.client.startThread();
    await thread.updateDefaults({ model: "o3", effort: "low", summary: "concise" });
    expect(thread.defaults).toMatchObject({
      model: "o3",
      effort: "low",
      summary: "concise",
      cwd: "/workspace",
    });
    await t.client.updateThreadDefaults(thread.id, { effort: null, approvalPolicy: "never" });
    expect(thread.defaults).toMatchObject({ model: "o3", approvalPolicy: "never" });
    expect("effort" in thread.defaults).toBe(false);
    await thread.run("go", { cwd: "/elsewhere", model: "o4" });
    expect(thread.defaults).toMatchObject({ model: "o4", cwd: "/elsewhere", approvalPolicy: "never" });
    expect(t.server.requests("thread/settings/update").map((r) => r.params)).toEqual([
      { threadId: thread.id, model: "o3", effort: "low", summary: "concise" },
      { threadId: thread.id, effort: null, approvalPolicy: "never" },
    ]);
  });

  it("takes the settings a thread/settings/updated notification reports", async () => {
    const reported = {
      approvalPolicy: "never",
      approvalsReviewer: "user",
      collaborationMode: {
        mode: "default",
        settings: { model: "o5", reasoning_effort: null, developer_instructions: null },
      },
      cwd: "/reported",
      model: "o5",
      modelProvider: "openai",
      sandboxPolicy: { type: "readOnly" },
    };
    await using t = connectToFake();
    const thread = await t.client.startThread();
    t.server.enqueueTurn([
      step.notify("thread/settings/updated", { threadId: thread.id, threadSettings: reported }),
      step.message("ok"),
    ]);
    await thread.run("first");
    expect(thread.defaults).toEqual(reported);
  });
});
