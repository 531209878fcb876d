/** The message with its code: the code of the cause for a wrapped error (`[authentication_failed]`). */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  return code === undefined ? error.message : `${error.message} [${code}]`;
}

export function errorCode(error: unknown): string | number | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  for (const code of [cause, own]) if (typeof code === "string" || typeof code === "number") return code;
  return undefined;
}
