/** One fenced code block of a README. */
export interface CodeBlock {
  /** The fence's language: `ts`, `js`, `mjs`, `sh`... */
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** From `<!-- prelude: ... -->` right before the fence: declarations the block assumes (never shown). */
  prelude: string;
  /** From `<!-- module: NAME -->` right before the fence: other blocks import it as `./NAME.js`. */
  module: string | undefined;
}

const FENCE = /^```(\S*)\s*$/;
const PRELUDE = /^<!--\s*prelude:\s*([\s\S]*?)\s*-->\s*$/;
const MODULE = /^<!--\s*module:\s*([A-Za-z0-9_-]+)\s*-->\s*$/;

/** Every fenced block of `markdown`, indented ones (in a list) too, with the indentation removed. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const indent = /^\s*/.exec(lines[i] ?? "")?.[0] ?? "";
    const open = FENCE.exec((lines[i] ?? "").slice(indent.length));
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] ?? "").trim() !== "```"; i++) {
      body.push(
        (lines[i] ?? "").startsWith(indent) ? (lines[i] ?? "").slice(indent.length) : (lines[i] ?? ""),
      );
    }
    const previous = (lines[start - 1] ?? "").trim();
    blocks.push({
      lang: open[1] ?? "",
      code: `${body.join("\n")}\n`,
      line: start + 1,
      prelude: PRELUDE.exec(previous)?.[1] ?? "",
      module: MODULE.exec(previous)?.[1],
    });
  }
  return blocks;
}

export const TYPESCRIPT = new Set(["ts", "typescript", "tsx"]);
export const JAVASCRIPT = new Set(["js", "javascript", "mjs"]);
