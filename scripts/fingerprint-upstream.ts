// Writes contract/upstream-fingerprint.json: the facts of the upstream contract (no prose).
// Usage: npx tsx scripts/fingerprint-upstream.ts [path of upstream-lan-agent.openapi.json]
// The default path is the shared folder beside the clone, where CI puts it.
import { writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  FINGERPRINT_PATH,
  UPSTREAM_CONTRACT_PATH,
  upstreamFingerprint,
} from './upstream-contract.js'

const source = process.argv[2] ? pathToFileURL(process.argv[2]) : UPSTREAM_CONTRACT_PATH
writeFileSync(FINGERPRINT_PATH, upstreamFingerprint(source))
process.stdout.write(`wrote ${fileURLToPath(FINGERPRINT_PATH)} from ${fileURLToPath(source)}\n`)
