import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type z, config as zodConfig } from "zod";
import {
  CodexValidationError,
  createValidator,
  loadSchemas,
  type MessageValidator,
  VALID_KNOWN,
  VALID_UNKNOWN,
  type ValidationMode,
  type ValidationResult,
} from "../src/index.js";
import {
  CLIENT_NOTIFICATION_SCHEMAS,
  CLIENT_REQUEST_SCHEMAS,
  SERVER_NOTIFICATION_SCHEMAS,
  SERVER_REQUEST_SCHEMAS,
  schemas,
} from "../src/schemas.js";
import { type RecordedPayload, recordedParams, recordedPayloads, recordedResult } from "./recorded.js";

const MODES: ValidationMode[] = ["strict", "lenient", "off"];

/** Validates one recorded payload the way the receiving end would. */
function validateRecorded(entry: RecordedPayload, mode: ValidationMode): ValidationResult {
  // What the server sent ("in") is checked by a client; what the client sent by a (fake) server.
  const validator = createValidator({ mode, side: entry.direction === "in" ? "client" : "server" });
  return validator[entry.kind](entry.method, entry.payload);
}

function expectFailure(result: ValidationResult): CodexValidationError {
  if (result.ok) throw new Error("expected a validation failure");
  expect(result.error).toBeInstanceOf(CodexValidationError);
  return result.error;
}

// Validators load zod in the background; these tests want zod's issues from the first message.
beforeAll(() => loadSchemas());

afterEach(() => {
  vi.restoreAllMocks();
});

describe("recorded messages from the real server", () => {
  const payloads = recordedPayloads();

  it("cover the messages a client depends on", () => {
    const seen = new Set(payloads.map((entry) => `${entry.direction} ${entry.kind} ${entry.method}`));
    for (const expected of [
      "out request initialize",
      "in response initialize",
      "out notification initialized",
      "out request thread/start",
      "in response thread/start",
      "in notification thread/started",
      "out request turn/start",
      "in response turn/start",
      "in notification turn/started",
      "in notification item/started",
      "in notification item/agentMessage/delta",
      "in notification item/reasoning/summaryTextDelta",
      "in notification item/completed",
      "in notification turn/completed",
      "in request item/commandExecution/requestApproval",
      "out response item/commandExecution/requestApproval",
      "in notification serverRequest/resolved",
    ]) {
      expect(seen, expected).toContain(expected);
    }
  });

  it.each(MODES)("are all valid and known in %s mode", (mode) => {
    for (const entry of payloads) {
      const result = validateRecorded(entry, mode);
      expect(result, `${entry.recording}: ${entry.direction} ${entry.kind} ${entry.method}`).toBe(
        VALID_KNOWN,
      );
    }
  });
});

/** Malformed copies of recorded payloads, each with the path its first issue must name. */
const MALFORMED: Array<{
  name: string;
  side: "client" | "server";
  kind: "notification" | "request" | "response";
  method: string;
  build: () => unknown;
  path: Array<string | number>;
}> = [
  {
    name: "wrong field type",
    side: "client",
    kind: "notification",
    method: "item/agentMessage/delta",
    build: () => ({ ...recordedParams("item/agentMessage/delta"), delta: 42 }),
    path: ["delta"],
  },
  {
    name: "missing required field",
    side: "client",
    kind: "notification",
    method: "item/agentMessage/delta",
    build: () => {
      const { turnId: _dropped, ...rest } = recordedParams("item/agentMessage/delta");
      return rest;
    },
    path: ["turnId"],
  },
  {
    name: "wrong discriminator",
    side: "client",
    kind: "notification",
    method: "item/completed",
    build: () => {
      const params = recordedParams("item/completed");
      (params.item as Record<string, unknown>).type = "notAnItemType";
      return params;
    },
    path: ["item", "type"],
  },
  {
    name: "wrong enum value in a nested object",
    side: "client",
    kind: "notification",
    method: "turn/completed",
    build: () => {
      const params = recordedParams("turn/completed");
      (params.turn as Record<string, unknown>).status = "finished";
      return params;
    },
    path: ["turn", "status"],
  },
  {
    name: "wrong field type in a server request",
    side: "client",
    kind: "request",
    method: "item/commandExecution/requestApproval",
    build: () => ({ ...recordedParams("item/commandExecution/requestApproval"), threadId: 7 }),
    path: ["threadId"],
  },
  {
    name: "missing field in a response to a client request",
    side: "client",
    kind: "response",
    method: "thread/start",
    build: () => {
      const result = recordedResult("thread/start");
      delete (result.thread as Record<string, unknown>).id;
      return result;
    },
    path: ["thread", "id"],
  },
  {
    name: "params that are not an object",
    side: "client",
    kind: "notification",
    method: "turn/started",
    build: () => "not an object",
    path: [],
  },
  {
    name: "wrong discriminator in client request params",
    side: "server",
    kind: "request",
    method: "turn/start",
    build: () => {
      const params = recordedParams("turn/start");
      (params.input as Array<Record<string, unknown>>)[0]!.type = "telepathy";
      return params;
    },
    path: ["input", 0, "type"],
  },
  {
    name: "invalid decision answering a server request",
    side: "server",
    kind: "response",
    method: "item/commandExecution/requestApproval",
    build: () => ({ decision: "maybe" }),
    path: ["decision"],
  },
];

describe("malformed messages", () => {
  describe.each(MALFORMED)("$name ($method)", ({ side, kind, method, build, path }) => {
    it("fail with a CodexValidationError naming the method and path in strict mode", () => {
      const validator = createValidator({ mode: "strict", side });
      const error = expectFailure(validator[kind](method, build()));
      expect(error.code).toBe("validation_failed");
      expect(error.kind).toBe(kind);
      expect(error.method).toBe(method);
      expect(error.issues[0]?.path).toEqual(path);
      expect(error.message).toContain(`invalid ${kind} ${method}`);
      expect(error.message).toContain(path.length === 0 ? "(root)" : ` at ${path.join(".")}:`);
    });

    it("are reported, and left untouched for delivery, in lenient mode", () => {
      const validator = createValidator({ mode: "lenient", side });
      const payload = build();
      const before = structuredClone(payload);
      const error = expectFailure(validator[kind](method, payload));
      expect(validator.mode).toBe("lenient");
      expect(error.issues[0]?.path).toEqual(path);
      expect(payload).toStrictEqual(before);
    });

    it("pass without any schema work in off mode", () => {
      const validator = createValidator({ mode: "off", side });
      const spies = spyOnEverySafeParse();
      expect(validator[kind](method, build())).toBe(VALID_KNOWN);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      // The same spies do see a strict validator's work.
      createValidator({ mode: "strict", side })[kind](method, build());
      expect(spies.some((spy) => spy.mock.calls.length > 0)).toBe(true);
    });
  });
});

/** Spies on the safeParse of every generated schema (the method tables point at these). */
function spyOnEverySafeParse() {
  const all: z.ZodType[] = Object.values(schemas);
  return all.map((schema) => vi.spyOn(schema, "safeParse"));
}

describe("unknown methods", () => {
  const sides = ["client", "server"] as const;
  it.each(
    MODES.flatMap((mode) => sides.map((side) => ({ mode, side }))),
  )("are VALID_UNKNOWN for every kind ($mode, $side)", ({ mode, side }) => {
    const validator = createValidator({ mode, side });
    for (const kind of ["notification", "request", "response"] as const) {
      expect(validator[kind]("future/method", { anything: true })).toBe(VALID_UNKNOWN);
      // Prototype keys are not methods.
      expect(validator[kind]("constructor", {})).toBe(VALID_UNKNOWN);
      expect(validator[kind]("__proto__", {})).toBe(VALID_UNKNOWN);
    }
  });

  it("include methods that belong to the other side", () => {
    const client = createValidator({ mode: "strict", side: "client" });
    const server = createValidator({ mode: "strict", side: "server" });
    expect(client.request("thread/start", {})).toBe(VALID_UNKNOWN);
    expect(client.notification("initialized", undefined)).toBe(VALID_UNKNOWN);
    expect(server.notification("item/agentMessage/delta", {})).toBe(VALID_UNKNOWN);
    expect(server.request("item/commandExecution/requestApproval", {})).toBe(VALID_UNKNOWN);
    expect(server.response("thread/start", {})).toBe(VALID_UNKNOWN);
  });
});

describe("validating item/agentMessage/delta (the hot path)", () => {
  const method = "item/agentMessage/delta";

  function spyHotPath(validator: MessageValidator) {
    const schema = SERVER_NOTIFICATION_SCHEMAS.get(method)!;
    const safeParse = vi.spyOn(schema, "safeParse");
    const parse = vi.spyOn(schema, "parse");
    return { validator, safeParse, parse };
  }

  it("accepts valid params without any safeParse or parse, returning the shared constant", () => {
    const { validator, safeParse, parse } = spyHotPath(createValidator({ mode: "strict", side: "client" }));
    const params = recordedParams(method);
    const before = structuredClone(params);
    expect(validator.notification(method, params)).toBe(VALID_KNOWN);
    expect(safeParse).not.toHaveBeenCalled();
    expect(parse).not.toHaveBeenCalled();
    expect(params).toStrictEqual(before);
  });

  it("leaves invalid params to one safeParse of the original object, so the failure is zod's", () => {
    const { validator, safeParse, parse } = spyHotPath(createValidator({ mode: "strict", side: "client" }));
    const params = { ...recordedParams(method), delta: 42 };
    const error = expectFailure(validator.notification(method, params));
    expect(error.issues[0]?.path).toEqual(["delta"]);
    expect(safeParse).toHaveBeenCalledTimes(1);
    expect(safeParse.mock.calls[0]?.[0]).toBe(params);
    expect(parse).not.toHaveBeenCalled();
  });

  it("uses a generated object schema, so no union is tried member by member", () => {
    expect(schemas.AgentMessageDeltaNotificationSchema).toBe(SERVER_NOTIFICATION_SCHEMAS.get(method));
    expect(schemas.AgentMessageDeltaNotificationSchema.def.type).toBe("object");
  });
});

describe("generated unions", () => {
  it.each<[string, z.ZodType, string]>([
    ["ThreadItem", schemas.ThreadItemSchema, "type"],
    ["UserInput", schemas.UserInputSchema, "type"],
    ["ServerNotification", schemas.ServerNotificationSchema, "method"],
    ["ClientRequest", schemas.ClientRequestSchema, "method"],
    ["ServerRequest", schemas.ServerRequestSchema, "method"],
  ])("%s is a discriminated union", (_name, schema, discriminator) => {
    const def = schema.def as { type: string; discriminator?: string };
    expect(def.type).toBe("union");
    expect(def.discriminator).toBe(discriminator);
  });

  it("accept unknown extra keys on objects, as the server may add fields", () => {
    const params = { ...recordedParams("item/agentMessage/delta"), addedInAFutureVersion: { nested: true } };
    const validator = createValidator({ mode: "strict", side: "client" });
    expect(validator.notification("item/agentMessage/delta", params)).toBe(VALID_KNOWN);
  });
});

/** The schema a validator of `side` uses for one payload. */
function schemaFor(side: "client" | "server", kind: RecordedPayload["kind"], method: string): z.ZodType {
  const found =
    side === "client"
      ? kind === "notification"
        ? SERVER_NOTIFICATION_SCHEMAS.get(method)
        : kind === "request"
          ? SERVER_REQUEST_SCHEMAS.get(method)?.params
          : CLIENT_REQUEST_SCHEMAS.get(method)?.result
      : kind === "notification"
        ? CLIENT_NOTIFICATION_SCHEMAS.get(method)
        : kind === "request"
          ? CLIENT_REQUEST_SCHEMAS.get(method)?.params
          : SERVER_REQUEST_SCHEMAS.get(method)?.result;
  if (found === undefined) throw new Error(`no ${side} schema for ${kind} ${method}`);
  return found;
}

const REMOVE = Symbol("remove");
const REPLACEMENTS: unknown[] = [REMOVE, null, 42, 1.5, Number.POSITIVE_INFINITY, "text", true, [], [1], {}];

/** The payload, then copies of it with one value (at any depth up to 5) replaced or removed. */
function* brokenCopies(payload: unknown): Generator<unknown> {
  yield payload;
  const paths: Array<Array<string | number>> = [];
  const walk = (value: unknown, path: Array<string | number>) => {
    if (path.length > 5 || typeof value !== "object" || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      const at = [...path, Array.isArray(value) ? Number(key) : key];
      paths.push(at);
      walk(child, at);
    }
  };
  walk(payload, []);
  for (const path of paths) {
    for (const replacement of REPLACEMENTS) {
      const copy = structuredClone(payload) as Record<string | number, unknown>;
      let parent = copy;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path.at(-1) as string | number;
      if (replacement === REMOVE) delete parent[last];
      else parent[last] = replacement;
      yield copy;
    }
  }
}

describe("the validator's fast path", () => {
  it("never accepts a payload its schema rejects: every recorded payload, and each one broken in every field", () => {
    let fastAccepted = 0;
    let rejected = 0;
    for (const entry of recordedPayloads()) {
      const side = entry.direction === "in" ? "client" : "server";
      const validator = createValidator({ mode: "strict", side });
      const schema = schemaFor(side, entry.kind, entry.method);
      const safeParse = vi.spyOn(schema, "safeParse");
      for (const payload of brokenCopies(entry.payload)) {
        safeParse.mockClear();
        const result = validator[entry.kind](entry.method, payload);
        const zodAccepts = schema.safeParse(payload).success;
        expect(result.ok, `${entry.method}: ${JSON.stringify(payload)?.slice(0, 200)}`).toBe(zodAccepts);
        // The first safeParse call is the validator's own fallback: none means the fast path accepted.
        if (result.ok && safeParse.mock.calls.length === 1) fastAccepted++;
        if (!result.ok) rejected++;
      }
      safeParse.mockRestore();
    }
    expect(fastAccepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});

describe("the validator where code cannot be generated (a Content-Security-Policy without 'unsafe-eval')", () => {
  it("compiles nothing at run time (the guards are generated code) and gives zod's verdicts", async () => {
    const blocked = vi.fn(() => {
      throw new EvalError("Code generation from strings disallowed for this context");
    });
    vi.resetModules();
    vi.stubGlobal("Function", new Proxy(Function, { construct: blocked }));
    // zod compiles its own object parser with `Function` too unless told not to, as under such a policy.
    zodConfig({ jitless: true });
    try {
      const fresh = await import("../src/validator.js");
      await fresh.loadSchemas();
      let rejected = 0;
      for (const entry of recordedPayloads()) {
        const side = entry.direction === "in" ? "client" : "server";
        const validator = fresh.createValidator({ mode: "strict", side });
        const schema = schemaFor(side, entry.kind, entry.method);
        for (const payload of brokenCopies(entry.payload)) {
          const result = validator[entry.kind](entry.method, payload);
          expect(result.ok, `${entry.method}: ${JSON.stringify(payload)?.slice(0, 200)}`).toBe(
            schema.safeParse(payload).success,
          );
          if (!result.ok) rejected++;
        }
      }
      expect(blocked).not.toHaveBeenCalled();
      expect(rejected).toBeGreaterThan(1000);
    } finally {
      zodConfig({ jitless: false });
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});

describe("guards load by module, on first use", () => {
  it("a method's guard module loads when prepared, alone; until then a check says so, and after it is synchronous", async () => {
    vi.resetModules();
    try {
      const fresh = await import("../src/index.js");
      const validator = fresh.createValidator({ mode: "strict", side: "client" });
      const params = recordedParams("item/agentMessage/delta");
      expect(() => validator.notification("item/agentMessage/delta", params)).toThrow(
        expect.objectContaining({ code: "guards_not_loaded" }),
      );
      const loading = validator.prepare?.("notification", "item/agentMessage/delta");
      expect(loading).toBeInstanceOf(Promise);
      await loading;
      expect(validator.prepare?.("notification", "item/agentMessage/delta")).toBeUndefined();
      expect(validator.notification("item/agentMessage/delta", params)).toBe(fresh.VALID_KNOWN);
      // The turn's module has the turn's other messages too, but not another topic's.
      expect(validator.prepare?.("response", "turn/start")).toBeUndefined();
      expect(validator.prepare?.("notification", "account/login/completed")).toBeInstanceOf(Promise);
      // Unknown methods need nothing, and off mode loads nothing.
      expect(validator.prepare?.("notification", "no/such/method")).toBeUndefined();
      expect(validator.notification("no/such/method", {})).toBe(fresh.VALID_UNKNOWN);
      const off = fresh.createValidator({ mode: "off", side: "client" });
      expect(off.prepare?.("notification", "config/warning")).toBeUndefined();
      expect(off.notification("configWarning", {})).toBe(fresh.VALID_KNOWN);
      await fresh.loadGuards();
      expect(validator.prepare?.("notification", "account/login/completed")).toBeUndefined();
    } finally {
      vi.resetModules();
    }
  });
});

describe("schemas are built on first use", () => {
  /** How many of the ~780 schemas a fresh copy of the package has built so far. */
  function built(fresh: typeof import("../src/schemas.js")): number {
    return Object.values(Object.getOwnPropertyDescriptors(fresh.schemas)).filter((d) => "value" in d).length;
  }

  it("a failure before zod has loaded fails at once, and brings zod's issues in `details`", async () => {
    vi.resetModules();
    try {
      const fresh = await import("../src/index.js");
      const validator = fresh.createValidator({ mode: "strict", side: "client" });
      const params = recordedParams("item/agentMessage/delta");
      await validator.prepare?.("notification", "item/agentMessage/delta");
      expect(validator.notification("item/agentMessage/delta", params)).toBe(fresh.VALID_KNOWN);
      const early = validator.notification("item/agentMessage/delta", { ...params, delta: 42 });
      if (early.ok) throw new Error("expected a failure");
      expect(early.error).toBeInstanceOf(CodexValidationError);
      expect(early.error.route).toEqual({ threadId: params.threadId, turnId: params.turnId });
      expect(early.error.issues).toEqual([
        { path: [], message: expect.stringContaining("follow in `details`") },
      ]);
      const detailed = await early.details;
      expect(detailed).toBeInstanceOf(CodexValidationError);
      expect(detailed?.issues[0]?.path).toEqual(["delta"]);
      expect(detailed?.route).toEqual(early.error.route);
      // Once zod is there, failures carry their issues at once.
      const later = validator.notification("item/agentMessage/delta", { ...params, delta: 42 });
      if (later.ok) throw new Error("expected a failure");
      expect(later.details).toBeUndefined();
      expect(later.error.issues[0]?.path).toEqual(["delta"]);
    } finally {
      vi.resetModules();
    }
  });

  it("importing builds none, a valid message builds none, a rejected one builds only what its method needs", async () => {
    vi.resetModules();
    try {
      const fresh = { ...(await import("../src/index.js")), ...(await import("../src/schemas.js")) };
      await fresh.loadSchemas();
      expect(built(fresh)).toBe(0);
      const validator = fresh.createValidator({ mode: "strict", side: "client" });
      const params = recordedParams("item/agentMessage/delta");
      expect(validator.notification("item/agentMessage/delta", params)).toBe(fresh.VALID_KNOWN);
      expect(built(fresh)).toBe(0);
      const result = validator.notification("item/agentMessage/delta", { ...params, delta: 42 });
      expect(result.ok).toBe(false);
      expect(built(fresh)).toBe(1);
      expect(
        Object.getOwnPropertyDescriptor(fresh.schemas, "AgentMessageDeltaNotificationSchema"),
      ).toHaveProperty("value");
      // Reading a schema builds it and what it refers to, once.
      const thread = fresh.schemas.ThreadSchema;
      expect(fresh.schemas.ThreadSchema).toBe(thread);
      expect(built(fresh)).toBeGreaterThan(2);
      expect(built(fresh)).toBeLessThan(100);
    } finally {
      vi.resetModules();
    }
  });
});

describe("a rejected message's error", () => {
  it("names the thread and turn of a notification or server request, so a client can fail that turn", () => {
    const validator = createValidator({ mode: "strict", side: "client" });
    const delta = recordedParams("item/agentMessage/delta");
    const notification = expectFailure(
      validator.notification("item/agentMessage/delta", { ...delta, delta: 42 }),
    );
    expect(notification.route).toEqual({ threadId: delta.threadId, turnId: delta.turnId });
    const approval = recordedParams("item/commandExecution/requestApproval");
    const request = expectFailure(
      validator.request("item/commandExecution/requestApproval", { ...approval, itemId: 7 }),
    );
    expect(request.route).toEqual({ threadId: approval.threadId, turnId: approval.turnId });
    const response = expectFailure(validator.response("thread/start", { thread: 1 }));
    expect(response.route).toEqual({});
  });
});
