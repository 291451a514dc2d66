import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { COMMITTED_OPENAPI_PATH, generateOpenapiDocument } from './openapi-document.js'

writeFileSync(COMMITTED_OPENAPI_PATH, await generateOpenapiDocument())
process.stdout.write(`wrote ${fileURLToPath(COMMITTED_OPENAPI_PATH)}\n`)
