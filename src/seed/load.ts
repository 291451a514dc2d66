import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Value } from '@sinclair/typebox/value'
import { SeedSchema, type Seed } from './schema.js'

/** The dev seed shipped with the project (its values are fixed by CONTRACT.md). */
export const DEV_SEED_PATH = fileURLToPath(new URL('../../seed/dev.json', import.meta.url))

export class SeedError extends Error {
  override readonly name = 'SeedError'
}

/** Reads and checks a seed file: shape, then references between its records. */
export function loadSeed(path: string = DEV_SEED_PATH): Seed {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new SeedError(`cannot read seed ${path}: ${(error as Error).message}`)
  }
  const seed = Value.Default(SeedSchema, raw) as unknown
  const issue = Value.Errors(SeedSchema, seed).First()
  if (issue) throw new SeedError(`seed ${path}: ${issue.path || '/'} ${issue.message}`)
  return checkReferences(seed as Seed, path)
}

function checkReferences(seed: Seed, path: string): Seed {
  const orgs = new Set(seed.orgs.map((org) => org.id))
  const fail = (what: string) => {
    throw new SeedError(`seed ${path}: ${what}`)
  }
  for (const user of seed.users) {
    for (const org of user.orgs) {
      if (!orgs.has(org)) fail(`user ${user.id} names unknown org ${org}`)
    }
  }
  for (const integration of seed.integrations) {
    if (!orgs.has(integration.org_id)) {
      fail(`integration ${integration.id} names unknown org ${integration.org_id}`)
    }
  }
  const secrets = seed.users.flatMap((user) => [...user.api_keys, ...user.sessions])
  if (new Set(secrets).size !== secrets.length) fail('an API key or session is used twice')
  return seed
}
