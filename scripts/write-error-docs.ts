// Writes docs/readme/errors.md from the error catalogue. Usage: npm run docs:errors
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ERROR_DOCS_PATH, renderErrorDocs } from './error-docs.js'

writeFileSync(ERROR_DOCS_PATH, renderErrorDocs())
process.stdout.write(`wrote ${fileURLToPath(ERROR_DOCS_PATH)}\n`)
