import { Type, type Static } from '@sinclair/typebox'

const Ulid = Type.String({ pattern: '^[0-7][0-9A-HJKMNP-TV-Z]{25}$' })
const Secret = Type.String({ minLength: 1, maxLength: 512, pattern: '^[\\x21-\\x7e]+$' })

export const SeedOrg = Type.Object({ id: Ulid, name: Type.String({ minLength: 1 }) })

export const SeedUser = Type.Object({
  id: Ulid,
  name: Type.String({ minLength: 1 }),
  orgs: Type.Array(Ulid),
  api_keys: Type.Array(Secret, { default: [] }),
  sessions: Type.Array(Secret, { default: [] }),
})

export const SeedIntegration = Type.Object({
  id: Ulid,
  org_id: Ulid,
  provider: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
})

export const CatalogEntry = Type.Object({
  task: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
  one_shot: Type.Boolean(),
  requires_integration: Type.Boolean(),
  description: Type.String(),
})

/** A seed file: the tenants, credentials and task catalog the server starts with. */
export const SeedSchema = Type.Object({
  orgs: Type.Array(SeedOrg),
  users: Type.Array(SeedUser),
  integrations: Type.Array(SeedIntegration),
  tasks_catalog: Type.Array(CatalogEntry),
})

export type Seed = Static<typeof SeedSchema>
export type SeedUserRecord = Static<typeof SeedUser>
export type SeedIntegrationRecord = Static<typeof SeedIntegration>
export type CatalogEntryRecord = Static<typeof CatalogEntry>
