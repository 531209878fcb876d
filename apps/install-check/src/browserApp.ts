import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export interface BrowserApp {
  /** The folder to serve: `index.html` and the chunks. */
  dir: string;
  /** Gzip size (level 9) of every chunk, by its path as the page fetches it (`/entry.js`). */
  gzipBytes: ReadonlyMap<string, number>;
  /** The chunk with zod and the schemas: a page loads it only once a message fails its guard. */
  schemasChunk: string;
}

/**
 * Bundles `entry` (a module exporting `runBrowserTurn`) for the browser as a user's bundler would:
 * esbuild, ESM with code splitting, minified, the packages' `browser`/`import` conditions. The page
 * exposes `runBrowserTurn` on `window`.
 */
export async function buildBrowserApp(entry: string, dir: string): Promise<BrowserApp> {
  const result = await build({
    entryPoints: { entry },
    bundle: true,
    platform: "browser",
    format: "esm",
    splitting: true,
    minify: true,
    target: "es2022",
    outdir: dir,
    metafile: true,
    logLevel: "silent",
  });
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><meta charset="utf-8"><title>codex browser turn</title><link rel="icon" href="data:,">' +
      '<script type="module">import { runBrowserTurn } from "./entry.js"; window.runBrowserTurn = runBrowserTurn; ' +
      'document.title = "ready";</script>',
  );
  const gzipBytes = new Map<string, number>();
  let schemasChunk = "";
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith(".js")) continue;
    const path = `/${basename(file)}`;
    gzipBytes.set(path, gzipSync(readFileSync(file), { level: 9 }).length);
    if (Object.keys(output.inputs).some((input) => input.includes("protocol/dist/schemas.")))
      schemasChunk = path;
  }
  return { dir, gzipBytes, schemasChunk };
}
