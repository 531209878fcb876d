import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { LoadGuards } from "../src/guardSupport.js";
import { createValidator, loadSchemas, SUPPORTED_CODEX_RANGE, VALID_KNOWN } from "../src/index.js";

/**
 * Messages only codex-cli 0.171.0 sends, replayed into the files the oldest supported release
 * generates (written to .tmp by scripts/prepare-type-tests.ts from the `codex-0.163.0` npm alias): what
 * an SDK generated from an older server sees from a newer one. Each is either accepted, or rejected by
 * the guard *and* by zod with an issue list; never a crash, never a silent pass of one and fail of the other.
 */
interface NewerPayload {
  name: string;
  kind: "notification";
  method: string;
  payload: Record<string, unknown>;
  /** The first issue's path under the older schema; null when the older schema accepts it. */
  olderFirstIssuePath: Array<string | number> | null;
}

const NEWER: NewerPayload[] = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "newer", "codex-0.171.0-only.json"), "utf8"),
);

interface OlderFiles {
  /** Every server notification's guard, from every guard module of the older files. */
  guards: ReadonlyMap<string, (value: unknown) => boolean>;
  tables: { SERVER_NOTIFICATION_SCHEMAS: ReadonlyMap<string, z.ZodType> };
  version: { GENERATED_FROM_VERSION: string };
}

let older: OlderFiles;

beforeAll(async () => {
  // Paths built at run time: the older files are not part of the type-checked program.
  const dir = join(import.meta.dirname, "..", ".tmp", `generated-${SUPPORTED_CODEX_RANGE.oldest}`);
  const { CLIENT_GUARD_MODULES } = (await import(join(dir, "guardModules.ts"))) as {
    CLIENT_GUARD_MODULES: { notification: ReadonlyMap<string, LoadGuards> };
  };
  const modules = await Promise.all(
    [...new Set(CLIENT_GUARD_MODULES.notification.values())].map((load) => load()),
  );
  older = {
    guards: new Map(modules.flatMap((module) => module.GUARDS.notification)),
    tables: await import(join(dir, "schemaTables.ts")),
    version: await import(join(dir, "version.ts")),
  };
  await loadSchemas();
});

describe(`codex 0.171.0 payloads replayed into the ${SUPPORTED_CODEX_RANGE.oldest} schema`, () => {
  it("come from the oldest supported release", () => {
    expect(older.version.GENERATED_FROM_VERSION).toBe(SUPPORTED_CODEX_RANGE.oldest);
    expect(NEWER.length).toBeGreaterThanOrEqual(3);
  });

  it.each(NEWER)("$name: valid for the pinned schema", ({ kind, method, payload }) => {
    expect(createValidator({ mode: "strict", side: "client" })[kind](method, payload)).toBe(VALID_KNOWN);
  });

  it.each(NEWER)("$name: the older guard and zod agree, and a rejection names where", (entry) => {
    const guard = older.guards.get(entry.method);
    const schema = older.tables.SERVER_NOTIFICATION_SCHEMAS.get(entry.method);
    if (guard === undefined || schema === undefined)
      throw new Error(`${entry.method} is not in the older schema`);
    const parsed = schema.safeParse(entry.payload);
    expect(guard(entry.payload)).toBe(parsed.success);
    if (entry.olderFirstIssuePath === null) {
      expect(parsed.success).toBe(true);
    } else {
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(entry.olderFirstIssuePath);
    }
  });
});
