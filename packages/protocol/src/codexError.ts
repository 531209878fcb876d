const BRAND = Symbol.for("@codex-app-server/error");
const CODE_BRAND = Symbol.for("@codex-app-server/error-class");

export interface CodexErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every error this SDK throws. `instanceof` works across duplicate copies of the
 * package (two bundles, ESM and CJS side by side): each subclass is matched by its class name brand,
 * not by prototype identity.
 */
export class CodexError extends Error {
  /** A stable string code for local errors, or the JSON-RPC numeric code for wire errors. */
  readonly code: string | number;

  constructor(code: string | number, message: string, options?: CodexErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, CODE_BRAND, { value: collectBrands(new.target) });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== "object" || value === null) return false;
    const brands = (value as Record<symbol, unknown>)[CODE_BRAND];
    if (!(value as Record<symbol, unknown>)[BRAND] || !Array.isArray(brands)) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of `instanceof` (a subclass too); the "safe fix" to `CodexError` would make every CodexError match every subclass.
    return brands.includes(this.name);
  }
}

// The packages are built without esbuild's keepNames (it wraps every function and class in `__name`, bytes
// a browser loads for nothing), so the class names, which brand errors, are pinned: here and after each
// subclass, in every package. A minifying bundler must not rename them.
Object.defineProperty(CodexError, "name", { value: "CodexError" });

function collectBrands(ctor: Function): string[] {
  const names: string[] = [];
  let current: unknown = ctor;
  while (typeof current === "function" && current !== Function.prototype) {
    names.push((current as Function).name);
    if (current === CodexError) break;
    current = Object.getPrototypeOf(current);
  }
  return names;
}
