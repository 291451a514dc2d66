// tsc compiles src/ to dist/ but copies no other file, while the installer template, the
// reference agent, the Redis Lua scripts and the pages' browser files (src/pages/assets/) are
// read at run time relative to their module: they must sit beside the compiled code.
// Usage: node scripts/copy-assets.mjs [src] [out]
import { chmodSync, copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const srcDir = resolve(root, process.argv[2] ?? 'src')
const outDir = resolve(root, process.argv[3] ?? 'dist')
const ASSET = /\.(sh|tpl|lua)$/
/** Directories copied whole: their files run in the browser as they are. */
const ASSET_DIRS = [join('pages', 'assets')]

let copied = 0
for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue
  const from = join(entry.parentPath, entry.name)
  const inAssetDir = ASSET_DIRS.includes(relative(srcDir, entry.parentPath))
  if (!ASSET.test(entry.name) && !inAssetDir) continue
  const to = join(outDir, relative(srcDir, from))
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
  // Keeps the executable bit of lan-agent.sh, which copyFileSync does not promise.
  chmodSync(to, statSync(from).mode & 0o777)
  copied++
}
console.log(`copy-assets: ${copied} file(s) from ${srcDir} to ${outDir}`)
