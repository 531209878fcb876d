const MAX_LINE_CHARS = 4096;
const REDACTED = "[redacted]";
// CSI sequences (colours, cursor moves): the server colours its log lines.
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, "g");

/**
 * The last lines of a process's output (stderr), for close info and errors. Splits text into
 * lines and keeps the last `capacity` of them, each with ANSI colour codes and a trailing `\r`
 * removed, every registered secret replaced by `[redacted]`, and cut to 4096 characters (the rest
 * of a longer line is dropped), so a chatty or binary stream never grows without bound.
 * `onLine` hears each complete line, in the same form, as it comes.
 */
export class LineTail {
  private readonly kept: string[] = [];
  private readonly secrets: string[] = [];
  private longestSecret = 0;
  private partial = "";
  /** The current line already went out cut short: drop the rest of it, up to its newline. */
  private discarding = false;

  constructor(
    private readonly capacity: number,
    private readonly onLine?: (line: string) => void,
  ) {}

  /** Replace `secret` by `[redacted]` in every line from now on, before it is kept or reported. */
  redact(secret: string): void {
    if (secret.length === 0) return;
    this.secrets.push(secret);
    this.longestSecret = Math.max(this.longestSecret, secret.length);
  }

  push(text: string): void {
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      if (!this.discarding) this.complete(this.partial + text.slice(start, newline));
      this.discarding = false;
      this.partial = "";
      start = newline + 1;
    }
    if (start < text.length && !this.discarding) {
      this.partial += text.slice(start);
      // Past the limit, plus room for a secret that starts before the cut to be seen whole.
      if (this.partial.length > MAX_LINE_CHARS + this.longestSecret) {
        this.complete(this.partial);
        this.partial = "";
        this.discarding = true;
      }
    }
  }

  /** Treat what is left after the last newline as a line. */
  flush(): void {
    if (this.partial.length > 0) this.complete(this.partial);
    this.partial = "";
    this.discarding = false;
  }

  /** The complete lines kept, oldest first. */
  get lines(): readonly string[] {
    return this.kept;
  }

  /** The kept lines and the incomplete last one, joined with newlines; `undefined` when there is none. */
  text(): string | undefined {
    if (this.capacity <= 0) return undefined;
    const all = this.partial.length > 0 ? [...this.kept, this.clean(this.partial)] : this.kept;
    const kept = all.slice(-this.capacity);
    return kept.length > 0 ? kept.join("\n") : undefined;
  }

  lastLine(): string | undefined {
    return this.partial.length > 0 ? this.clean(this.partial) : this.kept[this.kept.length - 1];
  }

  private complete(raw: string): void {
    const line = this.clean(raw);
    this.onLine?.(line);
    if (this.capacity <= 0) return;
    this.kept.push(line);
    if (this.kept.length > this.capacity) this.kept.shift();
  }

  private clean(raw: string): string {
    let line = raw.includes("\u001b") ? raw.replace(ANSI_ESCAPE, "") : raw;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    for (const secret of this.secrets) if (line.includes(secret)) line = line.split(secret).join(REDACTED);
    return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
  }
}
