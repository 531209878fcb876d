/**
 * Node's `util.inspect.custom`, taken from the global symbol registry so that the package root
 * imports nothing from Node. `console.log` and `util.inspect` call a method under this key instead
 * of listing an object's fields.
 */
export const INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** The third argument Node passes to an `INSPECT` method. */
export type InspectFunction = (value: unknown, options?: object) => string;

/**
 * What `util.inspect` prints for an object that holds secrets: its class name and a summary built
 * from fields chosen to be safe, never the object's own fields.
 */
export function inspectSummary(
  className: string,
  summary: object,
  options: object | undefined,
  inspect: InspectFunction | undefined,
): string {
  return `${className} ${inspect ? inspect(summary, options) : JSON.stringify(summary)}`;
}
