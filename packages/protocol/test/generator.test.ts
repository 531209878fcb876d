import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveCodexBinary } from "../scripts/codexBinary.js";
import { buildGeneratedFiles } from "../scripts/generator/build.js";
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
  it("are exactly what the pinned binary generates (pnpm gen --check)", () => {
    const binary = resolveCodexBinary();
    const expected = buildGeneratedFiles(readServerSchema(binary.path), binary.version);
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

  it("fail generation when a method's result cannot be resolved", () => {
    const loaded = loadBundle(
      bundle(protocolUnions({ clientRequests: [request("account/logout", { type: "null" })] }), v2),
    );
    expect(() => extractMethods(loaded, {})).toThrow(
      /cannot resolve the result type of client request method\(s\) account\/logout/,
    );
  });

  it("fail generation when the explicit table is stale", () => {
    const loaded = loadBundle(bundle(protocolUnions(), v2));
    expect(() => extractMethods(loaded, { "account/gone": "LogoutAccountResponse" })).toThrow(
      /override for unknown client request method account\/gone/,
    );
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

  it("reference cycle members through z.lazy, and validate at any depth", async () => {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "types.ts"), emitTypesFile(definitions, "test"));
    const source = emitSchemasFile(definitions, "test", { mode: "cast", typesModule: "./types.js" });
    expect(source).toContain("children: z.array(z.lazy(() => TreeSchema))");
    expect(source).toContain("leaf: LeafSchema.optional()");
    writeFileSync(join(out, "schemas.ts"), source);
    const generated = (await import(join(out, "schemas.ts"))) as Record<
      string,
      { safeParse(v: unknown): unknown }
    >;
    const tree = { children: [{ children: [{ children: [], leaf: { value: "deep" } }] }] };
    expect(generated.TreeSchema!.safeParse(tree)).toMatchObject({ success: true });
    const bad = { children: [{ children: [{ children: [], leaf: { value: 1 } }] }] };
    expect(generated.TreeSchema!.safeParse(bad)).toMatchObject({
      success: false,
      error: { issues: [{ path: ["children", 0, "children", 0, "leaf", "value"] }] },
    });
    expect(generated.PingSchema!.safeParse({ pong: { ping: { pong: null } } })).toMatchObject({
      success: true,
    });
  });
});

describe("errors", () => {
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
