import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";

/** What `console.log(value)` prints, through a real `Console`. */
export function consoleLogOf(value: unknown): string {
  let printed = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      printed += chunk.toString();
      done();
    },
  });
  new Console({ stdout: sink, stderr: sink }).log(value);
  new Console({ stdout: sink, stderr: sink }).dir(value, { depth: null });
  return printed;
}

/**
 * Every way a value gets printed or serialized by accident: `util.inspect` (plain, with hidden
 * fields and unlimited depth, and with custom inspection turned off, which lists the fields
 * themselves), `console.log`/`console.dir`, `JSON.stringify`, and string conversion.
 */
export function printedForms(value: unknown): {
  inspect: string;
  inspectDeep: string;
  inspectFields: string;
  console: string;
  json: string;
  string: string;
} {
  return {
    inspect: inspect(value),
    inspectDeep: inspect(value, { showHidden: true, depth: null, getters: true }),
    inspectFields: inspect(value, { customInspect: false, showHidden: true, depth: 4 }),
    console: consoleLogOf(value),
    json: JSON.stringify(value) ?? "",
    string: String(value),
  };
}

/**
 * Paths to every string reachable from `root` through own data properties, array items and Map/Set
 * entries (getters are not called) that contains `secret`. Closures are out of reach, and so is a
 * `#private` field: that is where secrets belong.
 */
export function pathsToSecret(root: unknown, secret: string): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, path: string): void => {
    if (typeof value === "string") {
      if (value.includes(secret)) found.push(path);
      return;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return;
    if (seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) {
      for (const [key, item] of value) {
        visit(key, `${path}<key>`);
        visit(item, `${path}.get(${String(key)})`);
      }
    }
    if (value instanceof Set) for (const item of value) visit(item, `${path}<item>`);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && "value" in descriptor) visit(descriptor.value, `${path}.${String(key)}`);
    }
  };
  visit(root, "root");
  return found;
}
