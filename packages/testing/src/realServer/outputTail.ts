import { LineTail } from "@codex-app-server/transport/stdio";

/**
 * Keeps the last lines of a process's output for diagnostics: the transport's `LineTail` (ANSI
 * colours and `\r` removed, lines cut to 4096 characters), read as a whole stream of bytes.
 * Secrets registered with `redact` are replaced by `[redacted]` before anything is stored or
 * announced.
 */
export class OutputTail {
  readonly #tail: LineTail;
  readonly #decoder = new TextDecoder();
  readonly #lineListeners = new Set<(line: string) => void>();

  constructor(maxLines = 50) {
    this.#tail = new LineTail(maxLines, (line) => {
      for (const listener of this.#lineListeners) listener(line);
    });
  }

  redact(secret: string): void {
    this.#tail.redact(secret);
  }

  /** Feed raw output; complete lines are stored and announced. */
  push(chunk: string | Uint8Array): void {
    this.#tail.push(typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true }));
  }

  /** Store what is left of an unterminated last line. */
  flush(): void {
    this.#tail.push(this.#decoder.decode());
    this.#tail.flush();
  }

  /** Calls `listener` for each complete line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#lineListeners.add(listener);
    return () => this.#lineListeners.delete(listener);
  }

  /** The complete lines kept, oldest first. */
  get lines(): readonly string[] {
    return this.#tail.lines;
  }

  /** The complete lines kept, joined with newlines; `""` when there is none. */
  text(): string {
    return this.#tail.lines.join("\n");
  }
}
