import { build } from "esbuild";

/** Node's built-in modules as a browser bundle would meet them (`fs`, `node:fs`, ...). */
const NODE_BUILTIN =
  /^(node:)?(assert|buffer|child_process|crypto|dns|events|fs|http|https|module|net|os|path|process|readline|stream|tls|url|util|worker_threads|zlib)(\/.*)?$/;

export interface BrowserBundleResult {
  /** esbuild's errors, as text ("Could not resolve \"fs\"" for a Node built-in). */
  errors: string[];
  /** Node built-ins the bundle reached (marked external so that every one is listed, not only the first). */
  nodeBuiltins: string[];
}

/**
 * Bundles `import * as entry from "<specifier>"` for the browser with esbuild, from `resolveDir` (where
 * the workspace packages resolve to their built `dist/`), and reports every Node built-in it reaches.
 */
export async function bundleForBrowser(specifier: string, resolveDir: string): Promise<BrowserBundleResult> {
  const nodeBuiltins = new Set<string>();
  try {
    await build({
      stdin: {
        contents: `import * as entry from ${JSON.stringify(specifier)}; globalThis.entry = entry;`,
        resolveDir,
        loader: "js",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      plugins: [
        {
          name: "node-builtins",
          setup(pluginBuild) {
            pluginBuild.onResolve({ filter: NODE_BUILTIN }, (args) => {
              nodeBuiltins.add(args.path);
              return { path: args.path, external: true };
            });
          },
        },
      ],
    });
    return { errors: [], nodeBuiltins: [...nodeBuiltins].sort() };
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string }> }).errors?.map((e) => e.text) ?? [
      String(error),
    ];
    return { errors, nodeBuiltins: [...nodeBuiltins].sort() };
  }
}
