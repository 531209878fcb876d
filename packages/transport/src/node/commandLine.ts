/**
 * Split a command line the way a POSIX shell splits words, without expanding anything:
 * whitespace separates words, 'single quotes' keep everything literally, "double quotes" keep
 * spaces and honour \" and \\, a backslash outside quotes escapes the next character.
 * `node "my server.js" --flag` → ["node", "my server.js", "--flag"].
 * With `backslashEscapes: false` (the default on Windows) a backslash is an ordinary character, so
 * `C:\tools\codex.exe app-server` splits as expected.
 */
export function splitCommandLine(line: string, options: { backslashEscapes?: boolean } = {}): string[] {
  const escapes = options.backslashEscapes ?? process.platform !== "win32";
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (escapes && ch === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (escapes && ch === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new SyntaxError(`unterminated ${quote} quote in command line`);
  if (inWord) words.push(word);
  return words;
}
