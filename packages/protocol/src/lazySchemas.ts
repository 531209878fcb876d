import type { z } from "zod";

/** The params and result schemas of one request method. */
export interface RequestSchemas {
  readonly params: z.ZodType;
  readonly result: z.ZodType;
}

type Thunk<V> = () => V;

/**
 * A read-only map from method to schema that builds each schema the first time it is read (`get`,
 * iteration), so importing the tables builds nothing. Building one method's schema builds only the
 * definitions it refers to.
 */
class LazySchemaMap<V> implements ReadonlyMap<string, V> {
  readonly #thunks: ReadonlyMap<string, Thunk<V>>;
  readonly #built = new Map<string, V>();

  constructor(table: Readonly<Record<string, Thunk<V>>>) {
    this.#thunks = new Map(Object.entries(table));
  }

  get size(): number {
    return this.#thunks.size;
  }

  has(method: string): boolean {
    return this.#thunks.has(method);
  }

  get(method: string): V | undefined {
    const built = this.#built.get(method);
    if (built !== undefined) return built;
    const thunk = this.#thunks.get(method);
    if (thunk === undefined) return undefined;
    const value = thunk();
    this.#built.set(method, value);
    return value;
  }

  /** Iterating builds every schema of the table. */
  entries(): MapIterator<[string, V]> {
    return this.#all().entries();
  }

  keys(): MapIterator<string> {
    return this.#thunks.keys();
  }

  values(): MapIterator<V> {
    return this.#all().values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  #all(): Map<string, V> {
    for (const method of this.#thunks.keys()) this.get(method);
    return new Map([...this.#thunks.keys()].map((method) => [method, this.#built.get(method) as V]));
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [method, value] of this.entries()) callback.call(thisArg, value, method, this);
  }
}

/** Method → schema, each built on first read. */
export function schemaMap(table: Readonly<Record<string, Thunk<z.ZodType>>>): ReadonlyMap<string, z.ZodType> {
  return new LazySchemaMap(table);
}

/** Method → `{ params, result }`, each of the two built on first read. */
export function requestSchemaMap(
  table: Readonly<Record<string, { readonly params: Thunk<z.ZodType>; readonly result: Thunk<z.ZodType> }>>,
): ReadonlyMap<string, RequestSchemas> {
  const lazy: Record<string, Thunk<RequestSchemas>> = {};
  for (const [method, thunks] of Object.entries(table)) lazy[method] = () => lazyRequestSchemas(thunks);
  return new LazySchemaMap(lazy);
}

function lazyRequestSchemas(thunks: {
  readonly params: Thunk<z.ZodType>;
  readonly result: Thunk<z.ZodType>;
}): RequestSchemas {
  let params: z.ZodType | undefined;
  let result: z.ZodType | undefined;
  return {
    get params() {
      params ??= thunks.params();
      return params;
    },
    get result() {
      result ??= thunks.result();
      return result;
    },
  };
}
