import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveCodexBinary } from "../scripts/codexBinary.js";
import { buildGeneratedFiles } from "../scripts/generator/build.js";
import { emitGuardFiles, GuardWriter } from "../scripts/generator/emitGuards.js";
import { emitMethodsFile, emitSchemaTablesFile } from "../scripts/generator/emitMethods.js";
import { emitSchemasFile, orderDefinitions, renderZod } from "../scripts/generator/emitSchemas.js";
import { emitTypesFile, renderType } from "../scripts/generator/emitTypes.js";
import {
  type JsonSchema,
  loadBundle,
  SchemaError,
  type SchemaNode,
} from "../scripts/generator/jsonSchema.js";
import { extractMethods } from "../scripts/generator/protocolMethods.js";
import { readServerSchema } from "../scripts/serverOutput.js";

type GuardModule = import("../src/guardSupport.js").GuardModule;

const GUARD_SUPPORT = join(import.meta.dirname, "..", "src", "guardSupport.js");

const ref = (name: string): SchemaNode => ({ $ref: `#/definitions/v2/${name}` });
const str: SchemaNode = { type: "string" };
const object = (
  properties: Record<string, JsonSchema>,
  required: string[] = Object.keys(properties),
): SchemaNode => ({
  type: "object",
  properties,
  required,
});
const literal = (value: string): SchemaNode => ({ type: "string", enum: [value] });

/** The four method unions every bundle needs, each with a probe method, plus the given members. */
function protocolUnions(members: { clientRequests?: JsonSchema[] } = {}) {
  return {
    ClientRequest: { oneOf: [request("probe/call", ref("ProbeParams")), ...(members.clientRequests ?? [])] },
    ClientNotification: {
      oneOf: [{ type: "object", properties: { method: literal("initialized") }, required: ["method"] }],
    },
    ServerRequest: { oneOf: [request("probe/ask", ref("ProbeParams"))] },
    ServerNotification: { oneOf: [object({ method: literal("probe/said"), params: ref("ProbeParams") })] },
  };
}

function bundle(root: Record<string, unknown>, v2: Record<string, unknown>) {
  const probes = { ProbeParams: object({ threadId: str }), ProbeResponse: object({}) };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    definitions: { ...root, v2: { ...probes, ...v2 } },
  };
}

function request(method: string, params: JsonSchema) {
  return object({ id: str, method: literal(method), params });
}

describe("the checked-in generated files", () => {
  it("are exactly what the pinned binary generates (pnpm gen --check), with only the known warning", () => {
    const binary = resolveCodexBinary();
    const { files: expected, warnings } = buildGeneratedFiles(readServerSchema(binary.path), binary.version);
    expect(warnings).toEqual([expect.stringContaining("client request modelProvider/default/set")]);
    const dir = join(import.meta.dirname, "..", "src", "generated");
    expect(readdirSync(dir).sort()).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect(readFileSync(join(dir, name), "utf8") === content, `${name} is current`).toBe(true);
    }
  });
});

describe("loading the bundle", () => {
  it("merges a v1 and a v2 definition of the same name when they validate the same", () => {
    const loaded = loadBundle(
      bundle(
        { RequestId: { $schema: "x", title: "RequestId", anyOf: [str] } },
        { RequestId: { anyOf: [str] } },
      ),
    );
    expect([...loaded.definitions.keys()].filter((name) => !name.startsWith("Probe"))).toEqual(["RequestId"]);
  });

  it("refuses two different definitions of the same name", () => {
    expect(() => loadBundle(bundle({ Thing: str }, { Thing: { type: "integer" } }))).toThrow(
      /#\/definitions\/Thing and #\/definitions\/v2\/Thing differ/,
    );
  });

  it("refuses keywords it does not understand, and references to missing definitions", () => {
    expect(() => loadBundle(bundle({}, { Thing: { type: "string", pattern: "^a" } }))).toThrow(
      /uses unsupported keyword "pattern"/,
    );
    expect(() => loadBundle(bundle({}, { Thing: ref("Missing") }))).toThrow(/Thing refers to missing/);
  });
});

describe("result types of requests", () => {
  const v2 = {
    ThreadStartParams: object({ cwd: str }),
    ThreadStartResponse: object({ id: str }),
    LogoutAccountResponse: { type: "object" },
  };

  it("follow XParams → XResponse, and an explicit table for the rest", () => {
    const loaded = loadBundle(
      bundle(
        protocolUnions({
          clientRequests: [
            request("thread/start", ref("ThreadStartParams")),
            request("account/logout", { type: "null" }),
          ],
        }),
        v2,
      ),
    );
    const methods = extractMethods(loaded, { "account/logout": "LogoutAccountResponse" });
    expect(methods.clientRequests.map((entry) => [entry.method, entry.result])).toEqual([
      ["probe/call", "ProbeResponse"],
      ["thread/start", "ThreadStartResponse"],
      ["account/logout", "LogoutAccountResponse"],
    ]);
  });

  it("are unknown, with a warning, when neither the convention nor the table names one", () => {
    const loaded = loadBundle(
      bundle(protocolUnions({ clientRequests: [request("account/logout", { type: "null" })] }), v2),
    );
    const methods = extractMethods(loaded, {});
    expect(methods.clientRequests.find((entry) => entry.method === "account/logout")?.result).toBeUndefined();
    expect(methods.warnings).toEqual([
      expect.stringContaining("names no result type for client request account/logout"),
    ]);
    const methodsFile = emitMethodsFile(methods, "test");
    expect(methodsFile).toContain('"account/logout": { params: null; result: unknown };');
    expect(emitSchemaTablesFile(methods, "test")).toMatch(
      /"account\/logout": \{\n {4}params: \(\) => z\.null\(\),\n {4}result: \(\) => z\.unknown\(\),/,
    );
    const guardsFile = emitGuardFiles(loaded.definitions, methods, "test").get("guards.account.ts");
    expect(guardsFile).toContain('["account/logout", acceptAny]');
    // The table wins over the warning.
    expect(extractMethods(loaded, { "account/logout": "LogoutAccountResponse" }).warnings).toEqual([]);
  });

  it("warn when the explicit table names a method the schema lacks, and fail when it names a missing type", () => {
    const loaded = loadBundle(bundle(protocolUnions(), v2));
    expect(extractMethods(loaded, { "account/gone": "LogoutAccountResponse" }).warnings).toEqual([
      "RESULT_TYPE_OVERRIDES names client request account/gone, which this schema does not have",
    ]);
    const withMethod = loadBundle(
      bundle(protocolUnions({ clientRequests: [request("account/logout", { type: "null" })] }), v2),
    );
    expect(() => extractMethods(withMethod, { "account/logout": "NoSuchResponse" })).toThrow(
      /missing NoSuchResponse/,
    );
  });
});

describe("types and schemas", () => {
  it("write optional fields, nullable types, integers, maps and literal unions", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: {
        id: str,
        count: { type: "integer", format: "int64" },
        note: { type: ["string", "null"] },
        mode: { oneOf: [literal("a"), literal("b")] },
        tags: { type: "object", additionalProperties: str },
      },
      required: ["id", "count", "mode"],
    };
    expect(renderType(schema)).toBe(
      '{\n  id: string;\n  count: number;\n  note?: string | null;\n  mode: "a" | "b";\n  tags?: { [key: string]: string };\n}',
    );
    expect(renderZod(schema)).toBe(
      'z.looseObject({\n  id: z.string(),\n  count: z.number(),\n  note: z.string().nullable().optional(),\n  mode: z.enum(["a", "b"]),\n  tags: z.record(z.string(), z.string()).optional(),\n})',
    );
  });

  it("use a discriminated union, with shared properties merged into every member", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: { at: { type: ["integer", "null"] } },
      oneOf: [object({ type: literal("text"), text: str }), object({ type: literal("image"), url: str })],
    };
    expect(renderType(schema)).toBe(
      '{\n  at?: number | null;\n  type: "text";\n  text: string;\n} | {\n  at?: number | null;\n  type: "image";\n  url: string;\n}',
    );
    expect(renderZod(schema)).toMatch(/^z\.discriminatedUnion\("type", \[/);
  });

  it("pipe a member that is itself a union sharing one discriminator value", () => {
    const schema: JsonSchema = {
      oneOf: [
        object({ type: literal("text"), text: str }),
        { ...object({ type: literal("image") }), anyOf: [object({ url: str }), object({ fileId: str })] },
      ],
    };
    const zod = renderZod(schema);
    expect(zod).toContain('z.looseObject({ type: z.literal("image") }).pipe(z.union([');
  });

  it("keep strict objects strict", () => {
    expect(renderZod({ ...object({ granular: str }), additionalProperties: false })).toMatch(
      /^z\.strictObject/,
    );
  });
});

describe("recursive definitions", () => {
  const definitions = loadBundle(
    bundle(
      {},
      {
        Leaf: object({ value: str }),
        Tree: object({ children: { type: "array", items: ref("Tree") }, leaf: ref("Leaf") }, ["children"]),
        Ping: object({ pong: { anyOf: [ref("Pong"), { type: "null" }] } }, []),
        Pong: object({ ping: ref("Ping") }, []),
      },
    ),
  ).definitions;
  const out = join(import.meta.dirname, "fixtures", "generated", "recursive");

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("order dependencies first and mark cycles", () => {
    const order = orderDefinitions(definitions)
      .filter(({ name }) => !name.startsWith("Probe"))
      .map(({ name, cycle }) => [name, cycle ? [...cycle] : undefined]);
    expect(order).toEqual([
      ["Leaf", undefined],
      ["Ping", ["Ping", "Pong"]],
      ["Pong", ["Ping", "Pong"]],
      ["Tree", ["Tree"]],
    ]);
  });

  it("reference cycle members through z.lazy, and validate at any depth (schemas and guards)", async () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "types.ts"), emitTypesFile(definitions, "test"));
    const source = emitSchemasFile(definitions, "test", { mode: "cast", typesModule: "./types.js" });
    expect(source).toContain("children: z.array(z.lazy(() => schemas.TreeSchema))");
    expect(source).toContain("leaf: schemas.LeafSchema.optional()");
    writeFileSync(join(out, "schemas.ts"), source);
    const said = (method: string, definition: string) => ({
      method,
      description: undefined,
      params: ref(definition),
      paramsRequired: true,
      result: undefined,
    });
    const methods = {
      clientRequests: [],
      clientNotifications: [],
      serverRequests: [],
      serverNotifications: [said("tree/said", "Tree"), said("ping/said", "Ping")],
      warnings: [],
    };
    const guardFiles = emitGuardFiles(definitions, methods, "test");
    // One module per topic (`tree/said`, `ping/said`), and where each method's guard is.
    expect([...guardFiles.keys()].sort()).toEqual([
      "guardModules.ts",
      "guards.ping.ts",
      "guards.tree.ts",
      "serverGuards.ts",
    ]);
    expect(guardFiles.get("guardModules.ts")).toContain('["tree/said", loadTree]');
    const all = [...guardFiles.values()].join("\n");
    // Only what the tables reach; each definition's own guard is its top node's function (no wrapper).
    expect(all).not.toContain("isProbeParams");
    expect(guardFiles.get("guards.tree.ts")).toContain("function isTree(v: any): v is T.Tree {");
    for (const [name, source] of guardFiles)
      writeFileSync(join(out, name), source.replace("../guardSupport.js", GUARD_SUPPORT));
    const { schemas } = (await import(join(out, "schemas.ts"))) as {
      schemas: Record<string, { safeParse(v: unknown): unknown }>;
    };
    const guardOf = async (file: string) =>
      ((await import(join(out, file))) as { GUARDS: GuardModule }).GUARDS.notification[0]![1];
    const guards = { isTree: await guardOf("guards.tree.ts"), isPing: await guardOf("guards.ping.ts") };
    const tree = { children: [{ children: [{ children: [], leaf: { value: "deep" } }] }] };
    expect(schemas.TreeSchema!.safeParse(tree)).toMatchObject({ success: true });
    expect(guards.isTree!(tree)).toBe(true);
    const bad = { children: [{ children: [{ children: [], leaf: { value: 1 } }] }] };
    expect(schemas.TreeSchema!.safeParse(bad)).toMatchObject({
      success: false,
      error: { issues: [{ path: ["children", 0, "children", 0, "leaf", "value"] }] },
    });
    expect(guards.isTree!(bad)).toBe(false);
    expect(schemas.PingSchema!.safeParse({ pong: { ping: { pong: null } } })).toMatchObject({
      success: true,
    });
    expect(guards.isPing!({ pong: { ping: { pong: null } } })).toBe(true);
    expect(guards.isPing!({ pong: { ping: { pong: 1 } } })).toBe(false);
  });
});

describe("literals", () => {
  it("of numbers and booleans become literal types, zod literals and guard comparisons", () => {
    const schema: JsonSchema = object({
      mode: literal("show"),
      version: { type: "integer", format: "uint8", enum: [1] },
      flag: { type: "boolean", enum: [true] },
      mixed: { enum: ["a", 2, false, null] },
    });
    expect(renderType(schema)).toBe(
      '{\n  mode: "show";\n  version: 1;\n  flag: true;\n  mixed: "a" | 2 | false | null;\n}',
    );
    const zod = renderZod(schema);
    expect(zod).toContain("version: z.literal(1),");
    expect(zod).toContain("flag: z.literal(true),");
    expect(zod).toContain('mixed: z.union([z.literal("a"), z.literal(2), z.literal(false)]).nullable(),');
    const writer = new GuardWriter(new Map());
    writer.test(schema, "v");
    const body = writer.helpers.join("\n");
    expect(body).toContain("v.version === 1 &&");
    expect(body).toContain("v.flag === true &&");
    // Four values or more: one switch.
    expect(body).toMatch(
      /switch \(v\) \{\n {4}case "a":\n {4}case 2:\n {4}case false:\n {4}case null:\n {6}return true;/,
    );
  });

  it("of any other kind are refused with the definition and field named", () => {
    expect(() => loadBundle(bundle({}, { Thing: object({ inner: { enum: [{ a: 1 }] } }) }))).toThrow(
      /#\/definitions\/v2\/Thing\.properties\.inner\.enum holds \{"a":1\}/,
    );
  });
});

describe("errors", () => {
  it("name the definition and the field where rendering fails", () => {
    const loaded = loadBundle(
      bundle(protocolUnions(), {
        Outer: object({
          items: {
            type: "array",
            items: { oneOf: [str, { ...object({ x: str }), additionalProperties: str }] },
          },
        }),
      }),
    );
    const message = /^Outer\.items\[\]\.oneOf\[1\]: objects with both properties and typed extra keys/;
    expect(() => emitTypesFile(loaded.definitions, "test")).toThrow(message);
    expect(() =>
      emitSchemasFile(loaded.definitions, "test", { mode: "cast", typesModule: "./t.js" }),
    ).toThrow(message);
    const methods = extractMethods(loaded, {});
    methods.serverNotifications.push({
      method: "outer/said",
      description: undefined,
      params: ref("Outer"),
      paramsRequired: true,
      result: undefined,
    });
    expect(() => emitGuardFiles(loaded.definitions, methods, "test")).toThrow(message);
  });

  it("are SchemaErrors with the location in the message", () => {
    try {
      loadBundle(bundle({}, { Thing: { properties: { inner: { const: 1 } } } }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).toContain("#/definitions/v2/Thing.properties.inner");
    }
  });
});

describe("the client's guard modules (src/generated/guards.*.ts)", () => {
  const dir = join(import.meta.dirname, "..", "src", "generated");
  const modules = readdirSync(dir)
    .filter((name) => /^guards\..+\.ts$/.test(name))
    .map((name) => ({ name, source: readFileSync(join(dir, name), "utf8") }));

  it("hold every function once, and every method a client receives in one module, the turn's in guards.turn.ts", async () => {
    const defined = modules.flatMap(({ source }) =>
      [...source.matchAll(/^(?:export )?function ([\w$]+)\(/gm)].map((match) => match[1]),
    );
    expect(defined.length).toBeGreaterThan(500);
    expect(new Set(defined).size).toBe(defined.length);
    const { CLIENT_GUARD_MODULES } = await import("../src/generated/guardModules.js");
    const methods = await import("../src/generated/methods.js");
    expect([...CLIENT_GUARD_MODULES.notification.keys()].sort()).toEqual(
      [...methods.SERVER_NOTIFICATION_METHODS].sort(),
    );
    expect([...CLIENT_GUARD_MODULES.request.keys()].sort()).toEqual(
      [...methods.SERVER_REQUEST_METHODS].sort(),
    );
    expect([...CLIENT_GUARD_MODULES.response.keys()].sort()).toEqual(
      [...methods.CLIENT_REQUEST_METHODS].sort(),
    );
    const turn = (await CLIENT_GUARD_MODULES.response.get("turn/start")!()).GUARDS;
    for (const [kind, method] of [
      ["response", "initialize"],
      ["response", "thread/start"],
      ["notification", "turn/started"],
      ["notification", "item/agentMessage/delta"],
      ["notification", "turn/completed"],
      ["request", "item/commandExecution/requestApproval"],
    ] as const) {
      expect(turn[kind].some(([name]) => name === method)).toBe(true);
    }
  });

  it("import nothing from a topic's module but the turn's, so loading one topic loads no other topic", () => {
    for (const { name, source } of modules) {
      for (const [, imported] of source.matchAll(/from "\.\/(guards\.[\w]+)\.js"/g)) {
        expect(
          imported === "guards.turn" || /^guards\.shared\d+$/.test(imported!),
          `${name} imports ${imported}`,
        ).toBe(true);
      }
    }
    expect(modules.find(({ name }) => name === "guards.turn.ts")?.source).not.toMatch(/from "\.\/guards\./);
  });
});
