const MAX_LINE_CHARS = 4096;
// CSI sequences (colours, cursor moves): the server colours its log lines.
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, "g");

/**
 * Splits text into lines and keeps the last `capacity` of them (each cut to 4096 chars, ANSI colour
 * codes removed), so that a chatty or binary stderr never grows without bound.
 */
export class LineTail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(
    private readonly capacity: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  push(text: string): void {
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      this.complete(this.partial + text.slice(start, newline));
      this.partial = "";
      start = newline + 1;
    }
    if (start < text.length) {
      this.partial += text.slice(start);
      if (this.partial.length > MAX_LINE_CHARS) {
        this.complete(this.partial);
        this.partial = "";
      }
    }
  }

  /** Treat what is left after the last newline as a line. */
  flush(): void {
    if (this.partial.length > 0) this.complete(this.partial);
    this.partial = "";
  }

  /** The kept lines joined with newlines, or `undefined` when nothing was written. */
  text(): string | undefined {
    if (this.capacity <= 0) return undefined;
    const all = this.partial.length > 0 ? [...this.lines, clean(this.partial)] : this.lines;
    const kept = all.slice(-this.capacity);
    return kept.length > 0 ? kept.join("\n") : undefined;
  }

  lastLine(): string | undefined {
    return this.partial.length > 0 ? clean(this.partial) : this.lines[this.lines.length - 1];
  }

  private complete(raw: string): void {
    const line = clean(raw);
    this.onLine?.(line);
    if (this.capacity <= 0) return;
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}

function clean(raw: string): string {
  const plain = raw.includes("\u001b") ? raw.replace(ANSI_ESCAPE, "") : raw;
  const line = plain.endsWith("\r") ? plain.slice(0, -1) : plain;
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}
