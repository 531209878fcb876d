/**
 * Keeps the last lines of a process's output for diagnostics. Secrets registered with
 * `redact` are replaced before anything is stored.
 */
export class OutputTail {
  readonly #maxLines: number;
  readonly #lines: string[] = [];
  readonly #secrets: string[] = [];
  readonly #lineListeners = new Set<(line: string) => void>();
  #partial = "";

  constructor(maxLines = 50) {
    this.#maxLines = maxLines;
  }

  redact(secret: string): void {
    if (secret.length > 0) this.#secrets.push(secret);
  }

  /** Feed raw output; complete lines are stored and announced. */
  push(chunk: string | Buffer): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split("\n");
    this.#partial = parts.pop() ?? "";
    if (this.#partial.length > 64 * 1024) {
      parts.push(this.#partial);
      this.#partial = "";
    }
    for (const part of parts) this.#add(part);
  }

  /** Store what is left of an unterminated last line. */
  flush(): void {
    if (this.#partial.length > 0) this.#add(this.#partial);
    this.#partial = "";
  }

  /** Calls `listener` for each complete line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#lineListeners.add(listener);
    return () => this.#lineListeners.delete(listener);
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  text(): string {
    return this.#lines.join("\n");
  }

  #add(rawLine: string): void {
    let line = stripAnsi(rawLine.replace(/\r$/, ""));
    for (const secret of this.#secrets) line = line.split(secret).join("[redacted]");
    this.#lines.push(line);
    if (this.#lines.length > this.#maxLines) this.#lines.shift();
    for (const listener of this.#lineListeners) listener(line);
  }
}

const ANSI_PATTERN = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}
