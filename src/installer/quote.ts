/**
 * Quotes a value as one single-quoted shell word, the only way server values enter the
 * installer. Inside single quotes bash expands nothing, so `$(...)`, backticks, `\` and
 * newlines stay literal; a `'` cannot be escaped there, so it closes the quote, adds an
 * escaped quote and reopens: `'\''`.
 *
 * NUL is refused because no shell word can carry it: bash silently drops it (or the C
 * string ends there), so the script would hold a different value than the caller passed.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new TypeError('shellQuote: a shell word cannot contain a NUL character')
  }
  return `'${value.replaceAll("'", `'\\''`)}'`
}
