import type { Seed } from '../seed/schema.js'
import type { Store } from '../store/types.js'
import { resetControl, type Control } from './control.js'
import type { FaultBook } from './faults.js'
import { EMPTY_FIXTURES, withoutOrg, type FixtureSet } from './fixtures.js'
import type { SharedDocument } from './shared-document.js'

export interface ResetDependencies {
  store: Store
  seed: Seed
  fixtures: SharedDocument<FixtureSet>
  faults: FaultBook
  control: SharedDocument<Control>
}

export interface ResetSummary {
  scope: 'all' | 'org'
  org_id: string | null
  removed: {
    fixture_orgs: number
    fixture_users: number
    fixture_integrations: number
    fixture_catalog_entries: number
    faults: number
    bootstrap_keys: number | null
  }
}

function integrationsOf(seed: Seed, fixtures: FixtureSet, orgId: string): string[] {
  return [...seed.integrations, ...fixtures.integrations]
    .filter((integration) => integration.org_id === orgId)
    .map((integration) => integration.id)
}

/**
 * Back to the seed: faults disarmed, the clock at real time, journals emptied, every task and
 * bootstrap key gone, fixtures dropped. Safe beside running requests because each store step is
 * atomic on its own (a queue's keys go in one DEL, bootstrap keys and their index in one script)
 * and the fixtures are dropped with compare-and-set only after the queues of exactly the
 * fixtures being dropped were emptied: a fixture added meanwhile makes the round start over.
 * A request racing the reset lands wholly before or wholly after it.
 */
export async function resetAll(deps: ResetDependencies): Promise<ResetSummary> {
  const { store, seed } = deps
  const faults = await deps.faults.clear()
  await resetControl(deps.control)
  // Before the queues: each resetOrg below then scans an almost empty bootstrap index.
  const bootstrapKeys = await store.clearBootstrapKeys()
  let dropped: FixtureSet = EMPTY_FIXTURES
  await deps.fixtures.update(async (current) => {
    const orgs = [...seed.orgs, ...current.orgs].map((org) => org.id)
    for (const orgId of orgs) {
      await store.resetOrg(orgId, integrationsOf(seed, current, orgId))
    }
    dropped = current
    return EMPTY_FIXTURES
  })
  return {
    scope: 'all',
    org_id: null,
    removed: {
      fixture_orgs: dropped.orgs.length,
      fixture_users: dropped.users.length,
      fixture_integrations: dropped.integrations.length,
      fixture_catalog_entries: dropped.tasks_catalog.length,
      faults,
      bootstrap_keys: bootstrapKeys,
    },
  }
}

/**
 * One org back to the seed: its tasks and bootstrap keys gone, and its fixtures (the org itself
 * when it is one, its integrations, its memberships) dropped. Faults, the clock and journals
 * are shared by every org and stay as they are, so parallel suites on their own orgs do not
 * disturb each other.
 */
export async function resetOrg(deps: ResetDependencies, orgId: string): Promise<ResetSummary> {
  const { store, seed } = deps
  const removed = { orgs: 0, users: 0, integrations: 0 }
  await deps.fixtures.update(async (current) => {
    await store.resetOrg(orgId, integrationsOf(seed, current, orgId))
    const removal = withoutOrg(current, orgId)
    Object.assign(removed, removal.removed)
    const unchanged =
      removal.removed.orgs + removal.removed.users + removal.removed.integrations === 0 &&
      current.users.every((user, i) => user === removal.next.users[i])
    return unchanged ? null : removal.next
  })
  return {
    scope: 'org',
    org_id: orgId,
    removed: {
      fixture_orgs: removed.orgs,
      fixture_users: removed.users,
      fixture_integrations: removed.integrations,
      fixture_catalog_entries: 0,
      faults: 0,
      bootstrap_keys: null,
    },
  }
}
