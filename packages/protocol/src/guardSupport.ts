/** Runtime pieces of the generated guards (src/generated/guards.*.ts, serverGuards.ts). */

/** Says whether a parsed JSON value passes one schema. */
export type Guard = (value: unknown) => boolean;

/** What zod's objects accept: a non-null object that is not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What zod's records accept: an object whose prototype is `Object.prototype` or null (the same test as
 * zod's `isPlainObject`, so a class instance or a `Map` is not a record).
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const ctor = (value as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== "function") return true;
  const prototype = (ctor as { prototype?: unknown }).prototype;
  if (!isObject(prototype)) return false;
  return Object.hasOwn(prototype, "isPrototypeOf");
}

export function isUndefined(value: unknown): value is undefined {
  return value === undefined;
}

export function acceptAny(_value: unknown): boolean {
  return true;
}

/** The guards of one generated module (`src/generated/guards.<topic>.ts`), by the kind of message. */
export interface GuardModule {
  readonly notification: ReadonlyArray<readonly [method: string, guard: Guard]>;
  readonly request: ReadonlyArray<readonly [method: string, guard: Guard]>;
  readonly response: ReadonlyArray<readonly [method: string, guard: Guard]>;
}

/** Loads one guard module (a dynamic `import()`, so a bundler makes it a chunk of its own). */
export type LoadGuards = () => Promise<{ readonly GUARDS: GuardModule }>;
