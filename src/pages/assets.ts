import { readFileSync } from 'node:fs'

/**
 * A browser file of the pages (script or style sheet), read once at start. They are plain files
 * rather than TypeScript because the browser runs them as they are; `npm run build` copies the
 * assets directory beside the compiled code.
 */
export function pageAsset(name: string): string {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8')
}
