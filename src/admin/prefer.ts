/**
 * Reads the `code` preference of a `Prefer` header (RFC 7240), as Prism's users send it:
 * `Prefer: code=503`, possibly beside other preferences (`Prefer: code=404, dynamic=true`) or
 * quoted (`code="404"`). Preference names are case-insensitive. Returns the raw value, or null
 * when no `code` preference is present; a repeated header counts as one comma-joined list.
 */
export function preferredCode(header: string | string[] | undefined): string | null {
  if (header === undefined) return null
  const list = Array.isArray(header) ? header.join(',') : header
  for (const preference of list.split(',')) {
    const [head] = preference.split(';')
    const eq = head?.indexOf('=') ?? -1
    if (head === undefined || eq < 0) continue
    if (head.slice(0, eq).trim().toLowerCase() !== 'code') continue
    return head
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
  }
  return null
}
