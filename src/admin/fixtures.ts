import { ApiError } from '../errors/api-error.js'
import { canonicalUlid } from '../ids/ulid.js'
import type {
  CatalogEntryRecord,
  Seed,
  SeedIntegrationRecord,
  SeedUserRecord,
} from '../seed/schema.js'

/**
 * Tenants added at run time through the admin API. They have the seed's shape, so the directory
 * is simply the seed and the fixtures concatenated; a reset drops the fixtures and leaves the
 * seed as it was.
 */
export type FixtureSet = Pick<Seed, 'orgs' | 'users' | 'integrations' | 'tasks_catalog'>

export const EMPTY_FIXTURES: FixtureSet = {
  orgs: [],
  users: [],
  integrations: [],
  tasks_catalog: [],
}

/** Fixture records of every kind together; beyond this a suite is leaking tenants. */
export const MAX_FIXTURE_RECORDS = 10_000

/** Fixture input as the API takes it: ids, names and credentials may be left to the server. */
export interface FixtureInput {
  orgs?: { id?: string; name?: string }[]
  users?: {
    id?: string
    name?: string
    orgs: string[]
    api_keys?: string[]
    sessions?: string[]
  }[]
  integrations?: { id?: string; org_id: string; provider?: string; name?: string }[]
  tasks_catalog?: CatalogEntryRecord[]
}

/**
 * Credentials end up in headers and cookies, so they are plain tokens; `_openapp_` is refused
 * inside one because an API key is recognised by what follows its last `_openapp_`.
 */
const CREDENTIAL = /^[A-Za-z0-9._~+/=-]{8,256}$/
const TASK_NAME = /^[A-Za-z0-9._:-]{1,128}$/

export function isFixtureSet(value: unknown): boolean {
  const set = value as Partial<FixtureSet> | null
  return (
    typeof set === 'object' &&
    set !== null &&
    Array.isArray(set.orgs) &&
    Array.isArray(set.users) &&
    Array.isArray(set.integrations) &&
    Array.isArray(set.tasks_catalog)
  )
}

export function combine(seed: Seed, fixtures: FixtureSet): Seed {
  return {
    orgs: [...seed.orgs, ...fixtures.orgs],
    users: [...seed.users, ...fixtures.users],
    integrations: [...seed.integrations, ...fixtures.integrations],
    tasks_catalog: [...seed.tasks_catalog, ...fixtures.tasks_catalog],
  }
}

function refuse(message: string): never {
  throw new ApiError('invalid_fixture', message)
}

/**
 * Checks a batch against everything that exists (seed and fixtures) and against itself, and
 * returns the records to add, with server-made ids, names and credentials filled in. All or
 * nothing: the first problem refuses the whole batch.
 */
export function admitFixtures(
  input: FixtureInput,
  existing: Seed,
  generate: { id: () => string; secret: () => string },
): FixtureSet {
  const newId = generate.id
  const orgIds = new Set(existing.orgs.map((org) => org.id))
  const userIds = new Set(existing.users.map((user) => user.id))
  const integrationIds = new Set(existing.integrations.map((integration) => integration.id))
  const tasks = new Set(existing.tasks_catalog.map((entry) => entry.task))
  const credentials = new Set(
    existing.users.flatMap((user) => [...user.api_keys, ...user.sessions]),
  )

  const idOf = (given: string | undefined, where: string, taken: Set<string>): string => {
    const id = given === undefined ? newId() : canonicalUlid(given)
    if (id === null) refuse(`${where}.id must be a ULID.`)
    if (taken.has(id)) refuse(`${where}.id ${id} already exists.`)
    taken.add(id)
    return id
  }
  const knownOrg = (value: string, where: string): string => {
    const id = canonicalUlid(value)
    if (id === null) refuse(`${where} must be an organisation ULID.`)
    if (!orgIds.has(id)) refuse(`${where} names org ${id}, which does not exist.`)
    return id
  }
  const credential = (value: string, where: string): string => {
    if (!CREDENTIAL.test(value) || value.includes('_openapp_')) {
      refuse(`${where} must be 8-256 characters of [A-Za-z0-9._~+/=-] without "_openapp_".`)
    }
    if (credentials.has(value)) refuse(`${where} is already used by another credential.`)
    credentials.add(value)
    return value
  }

  const added: FixtureSet = { orgs: [], users: [], integrations: [], tasks_catalog: [] }
  ;(input.orgs ?? []).forEach((org, i) => {
    const id = idOf(org.id, `orgs[${i}]`, orgIds)
    added.orgs.push({ id, name: org.name ?? `fixture org ${id}` })
  })
  ;(input.users ?? []).forEach((user, i) => {
    const where = `users[${i}]`
    const id = idOf(user.id, where, userIds)
    const orgs = user.orgs.map((org, j) => knownOrg(org, `${where}.orgs[${j}]`))
    if (new Set(orgs).size !== orgs.length) refuse(`${where}.orgs names an org twice.`)
    const record: SeedUserRecord = {
      id,
      name: user.name ?? `fixture user ${id}`,
      orgs,
      api_keys: (user.api_keys ?? [generate.secret()]).map((key, j) =>
        credential(key, `${where}.api_keys[${j}]`),
      ),
      sessions: (user.sessions ?? [generate.secret()]).map((value, j) =>
        credential(value, `${where}.sessions[${j}]`),
      ),
    }
    added.users.push(record)
  })
  ;(input.integrations ?? []).forEach((integration, i) => {
    const where = `integrations[${i}]`
    const id = idOf(integration.id, where, integrationIds)
    const record: SeedIntegrationRecord = {
      id,
      org_id: knownOrg(integration.org_id, `${where}.org_id`),
      provider: integration.provider ?? 'generic',
      name: integration.name ?? `fixture integration ${id}`,
    }
    added.integrations.push(record)
  })
  ;(input.tasks_catalog ?? []).forEach((entry, i) => {
    if (!TASK_NAME.test(entry.task)) refuse(`tasks_catalog[${i}].task is not a valid task name.`)
    if (tasks.has(entry.task)) refuse(`tasks_catalog[${i}].task ${entry.task} already exists.`)
    tasks.add(entry.task)
    added.tasks_catalog.push({ ...entry })
  })
  return added
}

export function appendFixtures(current: FixtureSet, added: FixtureSet): FixtureSet {
  const next: FixtureSet = {
    orgs: [...current.orgs, ...added.orgs],
    users: [...current.users, ...added.users],
    integrations: [...current.integrations, ...added.integrations],
    tasks_catalog: [...current.tasks_catalog, ...added.tasks_catalog],
  }
  const total =
    next.orgs.length + next.users.length + next.integrations.length + next.tasks_catalog.length
  if (total > MAX_FIXTURE_RECORDS) {
    refuse(`At most ${MAX_FIXTURE_RECORDS} fixture records may exist; reset to start over.`)
  }
  return next
}

export interface OrgRemoval {
  next: FixtureSet
  removed: { orgs: number; users: number; integrations: number }
}

/**
 * The fixtures without one org: the org itself when it is a fixture, its fixture integrations,
 * its membership of fixture users, and fixture users left without any org. Seed records stay.
 */
export function withoutOrg(current: FixtureSet, orgId: string): OrgRemoval {
  const orgs = current.orgs.filter((org) => org.id !== orgId)
  const integrations = current.integrations.filter((i) => i.org_id !== orgId)
  const users = current.users.flatMap((user) => {
    if (!user.orgs.includes(orgId)) return [user]
    const rest = user.orgs.filter((org) => org !== orgId)
    return rest.length > 0 ? [{ ...user, orgs: rest }] : []
  })
  return {
    next: { ...current, orgs, users, integrations },
    removed: {
      orgs: current.orgs.length - orgs.length,
      users: current.users.length - users.length,
      integrations: current.integrations.length - integrations.length,
    },
  }
}
