import type { CatalogEntryRecord, Seed } from '../seed/schema.js'

export interface Org {
  id: string
  name: string
}

export interface User {
  id: string
  name: string
  orgIds: string[]
}

export interface Integration {
  id: string
  orgId: string
  provider: string
  name: string
}

/** Everything the server knows about tenants, taken from a seed. Fixtures added at run time
 * through the admin API extend it; `reset` returns to the seed. */
export interface DirectoryData {
  orgs: Org[]
  users: (User & { apiKeys: string[]; sessions: string[] })[]
  integrations: Integration[]
  catalog: CatalogEntryRecord[]
}

export function directoryDataFromSeed(seed: Seed): DirectoryData {
  return {
    orgs: seed.orgs.map((org) => ({ ...org })),
    users: seed.users.map((user) => ({
      id: user.id,
      name: user.name,
      orgIds: [...user.orgs],
      apiKeys: [...user.api_keys],
      sessions: [...user.sessions],
    })),
    integrations: seed.integrations.map((integration) => ({
      id: integration.id,
      orgId: integration.org_id,
      provider: integration.provider,
      name: integration.name,
    })),
    catalog: seed.tasks_catalog.map((entry) => ({ ...entry })),
  }
}

/** Lookups by credential and id, indexed once so each request costs a map read. */
export class Directory {
  #orgs = new Map<string, Org>()
  #users = new Map<string, User>()
  #byApiKey = new Map<string, User>()
  #bySession = new Map<string, User>()
  #integrations = new Map<string, Integration>()
  #catalog: CatalogEntryRecord[] = []

  constructor(data: DirectoryData) {
    this.replace(data)
  }

  /** Swaps in a whole new data set at once, so readers never see half of an update. */
  replace(data: DirectoryData): void {
    const users = new Map<string, User>()
    const byApiKey = new Map<string, User>()
    const bySession = new Map<string, User>()
    for (const entry of data.users) {
      const user: User = { id: entry.id, name: entry.name, orgIds: [...entry.orgIds] }
      users.set(user.id, user)
      for (const key of entry.apiKeys) byApiKey.set(key, user)
      for (const session of entry.sessions) bySession.set(session, user)
    }
    // Built aside and assigned without an await in between: no reader sees half of an update.
    this.#orgs = new Map(data.orgs.map((org) => [org.id, { ...org }]))
    this.#users = users
    this.#byApiKey = byApiKey
    this.#bySession = bySession
    this.#integrations = new Map(data.integrations.map((i) => [i.id, { ...i }]))
    this.#catalog = data.catalog.map((entry) => ({ ...entry }))
  }

  userByApiKey(secret: string): User | undefined {
    return this.#byApiKey.get(secret)
  }

  userBySession(value: string): User | undefined {
    return this.#bySession.get(value)
  }

  user(id: string): User | undefined {
    return this.#users.get(id)
  }

  users(): User[] {
    return [...this.#users.values()]
  }

  org(id: string): Org | undefined {
    return this.#orgs.get(id)
  }

  integration(id: string): Integration | undefined {
    return this.#integrations.get(id)
  }

  orgs(): Org[] {
    return [...this.#orgs.values()]
  }

  integrations(): Integration[] {
    return [...this.#integrations.values()]
  }

  integrationsOf(orgId: string): Integration[] {
    return this.integrations().filter((integration) => integration.orgId === orgId)
  }

  catalog(): CatalogEntryRecord[] {
    return this.#catalog
  }
}
