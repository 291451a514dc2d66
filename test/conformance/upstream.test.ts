import t, { type Test } from 'tap'
import { contractFacts, type ContractFacts } from '../../scripts/openapi-facts.js'
import { committedFingerprint } from '../../scripts/upstream-contract.js'
import { buildTestApp } from '../fixtures/app.js'
import { compareContracts, type Allowances } from '../fixtures/conformance.js'

/**
 * The generated OpenAPI document against the upstream contract (its committed fingerprint):
 * every upstream operation with the same path, method, operation id, parameters, body, statuses,
 * media types and schema facts. What ours adds is listed here with the reason; an addition that
 * is not listed fails until someone reviews it, and a listed one that disappeared fails too.
 */
const ERROR_STATUS_REASONS: Record<string, string> = {
  '400': 'CONTRACT.md: malformed JSON, schema failures and bad parameters answer 400',
  '403': 'CONTRACT.md Tenancy: not a member of X-Org, or an agent token for another integration',
  '404': 'CONTRACT.md Tenancy: an integration that does not exist or belongs to another org',
  '413': 'CONTRACT.md Errors: a body over the limit of the operation',
  '414': 'a query string or path parameter over its limit, on every operation',
  '415': 'http-edges.md case 2: a body that is not application/json',
  '429': 'a bounded queue (queue_full) or rate limiting (rate_limited)',
  '500': 'an unexpected fault, in the envelope without detail',
  '503': 'storage or signing unavailable, or the instance draining for shutdown',
}
const reasons = (...statuses: string[]) =>
  Object.fromEntries(statuses.map((status) => [status, ERROR_STATUS_REASONS[status]!]))

export const ALLOWANCES: Allowances = {
  extensionOperations: {
    get_jwks: 'CONTRACT.md Tokens and keys: JWKS at /.well-known/jwks.json',
    get_healthz: 'liveness probe for deployments',
    get_readyz: 'readiness probe: storage answers and a signing key is loaded',
    get_openapi_document: 'the generated document, served for SDK generators',
    get_metrics: 'issue 8: Prometheus metrics for staging',
    get_lan_agent_dist_index: 'CONTRACT.md: the reference agent builds the installer downloads',
    get_lan_agent_dist_file: 'CONTRACT.md: the reference agent builds the installer downloads',
    ...Object.fromEntries(
      [
        'post_admin_reset', 'get_admin_fixtures', 'post_admin_fixtures', 'get_admin_requests',
        'delete_admin_requests', 'get_admin_clock', 'post_admin_clock', 'get_admin_faults',
        'post_admin_faults', 'delete_admin_faults', 'get_admin_keys', 'post_admin_keys_rotate',
      ].map((id) => [id, 'issue 5: the test-control surface under /__admin']),
    ),
    get_admin_state: 'issue 9: what the live view at /__admin/ui shows',
  },
  extraParameters: {
    'post_lan_agent_cli_bootstrap_token header x-org':
      'CONTRACT.md bootstrap-token: an optional X-Org narrows the org',
  },
  extraStatuses: {
    get_lan_agent_meta: reasons('414', '503'),
    post_lan_agent_cli_token: reasons('400', '413', '414', '415', '429', '503'),
    post_lan_agent_cli_bootstrap_token: reasons('403', '404', '413', '414', '415', '429'),
    get_lan_agent_cli_bootstrap_sh: reasons('414', '429', '500'),
    get_integration_lan_agent_tasks: reasons('400', '403', '404', '414', '500', '503'),
    post_integration_lan_agent_task_spec:
      reasons('403', '404', '413', '414', '415', '429', '500', '503'),
  },
  extraProperties: {
    'ApiErrorResponse.correlationId': 'CONTRACT.md Errors: the request id, as in X-Request-Id',
    'ApiErrorResponse.min_lan_protocol_version': 'CONTRACT.md: the 426 names the minimum',
    'ApiErrorResponse.lan_protocol_version': 'CONTRACT.md: the 426 names the current version',
    'ApiErrorResponse.upgrade_download_url': 'CONTRACT.md: the 426 says where to upgrade',
    'ApiErrorResponse.limit_bytes': 'http-edges.md case 3: a 413 states the limit',
  },
  extraRequired: {
    'ApiErrorResponse.error_code': 'CONTRACT.md Errors: every envelope carries a stable code',
    'ApiErrorResponse.correlationId': 'CONTRACT.md Errors: every envelope carries the request id',
    'LanAgentMetaResponse.latest_agent_version': 'CONTRACT.md meta: all five fields, always',
    'LanAgentMetaResponse.min_supported_agent_version': 'CONTRACT.md meta: all five fields, always',
    'LanAgentMetaResponse.upgrade_download_url': 'CONTRACT.md meta: all five fields, always',
  },
  refinedSchemas: {
    'LanAgentMetaResponse.tasks_catalog': 'CONTRACT.md meta: the catalog of task kinds, a list',
    'LanAgentTaskSpecResponse.spec': 'CONTRACT.md task-spec: spec is the stored task, an object',
  },
}

const byId = (facts: ContractFacts, id: string) =>
  facts.operations.find((op) => op.operationId === id)!

async function ourFacts(t: Test): Promise<{ facts: ContractFacts; document: Record<string, any> }> {
  const built = await buildTestApp(t)
  if (!built) throw new Error('the memory store needs no Redis')
  await built.app.ready()
  const document = built.app.swagger() as unknown as Record<string, any>
  return { facts: contractFacts(document), document }
}

t.test('the generated document holds every upstream operation, as upstream says', async (t) => {
  const { facts } = await ourFacts(t)
  const result = compareContracts(committedFingerprint(), facts, ALLOWANCES)
  t.same(result.problems, [], 'no difference from the upstream contract outside the allow-list')
  t.same(result.unused, [], 'every allow-list entry is still needed')
})

t.test('bootstrap.sh answers 200 as text/x-shellscript with a string schema', async (t) => {
  const { facts } = await ourFacts(t)
  const op = facts.operations.find((o) => o.operationId === 'get_lan_agent_cli_bootstrap_sh')
  t.ok(op, 'the operation is documented')
  t.same(op?.responses['200'], { 'text/x-shellscript': { types: ['string'] } },
    'only text/x-shellscript, a string, never a JSON string with escapes')
})

t.test('the comparison catches what it exists to catch', async (t) => {
  // Mutations of our facts that must each be reported: without this, a comparison that
  // silently passed everything would look like a conforming server.
  const upstream = committedFingerprint()
  const { facts } = await ourFacts(t)
  const mutations: [string, (f: ContractFacts) => void, RegExp][] = [
    ['a dropped property', (f) => { delete f.schemas.LanAgentCliTokenResponse!.properties!.token_type },
      /LanAgentCliTokenResponse\.token_type is missing/],
    ['an undocumented property', (f) => {
      f.schemas.LanAgentCliTokenResponse!.properties!.refresh_token = { types: ['string'] }
    }, /LanAgentCliTokenResponse\.refresh_token is not upstream/],
    ['null dropped from a union', (f) => {
      f.schemas.LanAgentMetaResponse!.properties!.upgrade_download_url = { types: ['string'] }
    }, /upgrade_download_url: type \["string"\] instead of \["null","string"\]/],
    ['a changed format', (f) => {
      f.schemas.LanAgentCliTokenResponse!.properties!.expires_in!.format = 'int32'
    }, /expires_in: format int32 instead of int64/],
    ['a lost minimum', (f) => {
      delete f.schemas.LanAgentTaskSpecRequest!.properties!.lan_protocol_version!.minimum
    }, /lan_protocol_version: minimum none instead of 0/],
    ['a field no longer required', (f) => {
      f.schemas.LanAgentTaskSpecRequest!.required = ['task_id', 'lan_protocol_version']
    }, /LanAgentTaskSpecRequest: payload is not required/],
    ['a renamed operation', (f) => { byId(f, 'get_lan_agent_meta').operationId = 'meta' },
      /operation get_lan_agent_meta \(GET \/lan-agent\/meta\) is missing/],
    ['an optional header', (f) => {
      byId(f, 'get_integration_lan_agent_tasks').parameters.find((p) => p.in === 'header')!.required = false
    }, /header parameter X-Org: required false instead of true/],
    ['a new status', (f) => {
      byId(f, 'get_lan_agent_meta').responses['409'] = {
        'application/json': { ref: 'ApiErrorResponse' },
      }
    }, /get_lan_agent_meta: status 409 is not upstream/],
    ['another media type', (f) => {
      byId(f, 'post_lan_agent_cli_token').responses['200'] = { 'text/plain': { types: ['string'] } }
    }, /post_lan_agent_cli_token 200: media types/],
    ['another server', (f) => { byId(f, 'get_lan_agent_meta').servers = ['/'] },
      /get_lan_agent_meta: served under \["\/"\]/],
  ]
  for (const [what, mutate, expected] of mutations) {
    const mutated = structuredClone(facts)
    mutate(mutated)
    const { problems } = compareContracts(upstream, mutated, ALLOWANCES)
    t.ok(problems.some((p) => expected.test(p)), `${what} is reported`)
  }
})
