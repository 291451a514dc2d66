import { ADMIN_PREFIX } from '../admin/operations.js'

export const DOCS_PREFIX = '/docs'
export const ADMIN_UI_PATH = `${ADMIN_PREFIX}/ui`

/**
 * Where the pages live: HTML, scripts and styles for people, hidden from the OpenAPI document on
 * purpose (they are no API), so checks of API replies leave them out.
 */
export const PAGE_PREFIXES = [DOCS_PREFIX, ADMIN_UI_PATH]

export function isPagePath(path: string): boolean {
  return PAGE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
}
