// The six operations as the bench sends them. Every target gets byte-for-byte the same request
// (Prism only without the /api/v1 prefix, which it does not serve), so the ratios compare the
// targets and not the requests.

export const ORG_A = '01KDVDNA00C1T4BQYG24SAJ1Q4'
export const INTEGRATION_A1 = '01KDVDNA00A16HRSRAQGE38V56'
export const INTEGRATION_A2 = '01KDVDNA00R2ZENW3JS1G3RFTX'
/** The dev seed's alice, in the contract's `bearer_auth` form that Prism checks as well. */
const ALICE = { authorization: 'Bearer http://localhost:4455_openapp_dev-alice-key' }
const JSON_BODY = { 'content-type': 'application/json' }

export type OperationName =
  | 'meta'
  | 'token'
  | 'bootstrap-token'
  | 'bootstrap.sh'
  | 'task-spec'
  | 'tasks'
  | 'tasks-100k'

export interface BenchRequest {
  method: 'GET' | 'POST'
  /** Path below the API base (`/api/v1` on the server, `` on Prism). */
  path: string
  headers: Record<string, string>
  body?: string
  /** task-spec only: `{{task_id}}` in the body cycles through this many ids. */
  rotateTaskIds?: number
}

export interface DriveJob {
  origin: string
  connections: number
  durationSeconds: number
  warmupSeconds: number
  request: BenchRequest
}

export interface DriveResult {
  requestsPerSecond: number
  p50: number
  p99: number
  total: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
  /** CPU time the target spent per request during the measured run, in microseconds. */
  cpuMicrosPerRequest?: number
}

/** How many ids the task-spec rows write, which is also the length of the `tasks` reply. */
export const SMALL_QUEUE = 10

export function bootstrapTokenBody(): string {
  return JSON.stringify({ task_id: 'serve', api_base_url: 'http://localhost:4455/api/v1' })
}

export function operationRequest(
  name: OperationName,
  context: { bootstrapKey?: string; taskSpecIntegration?: string },
): BenchRequest {
  switch (name) {
    case 'meta':
      return { method: 'GET', path: '/lan-agent/meta', headers: {} }
    case 'token':
      return { method: 'POST', path: '/lan-agent/cli/token', headers: { ...ALICE } }
    case 'bootstrap-token':
      return {
        method: 'POST',
        path: '/lan-agent/cli/bootstrap-token',
        headers: { ...ALICE, ...JSON_BODY },
        body: bootstrapTokenBody(),
      }
    case 'bootstrap.sh':
      return {
        method: 'GET',
        path: `/lan-agent/cli/bootstrap.sh?key=${context.bootstrapKey ?? ''}`,
        headers: {},
      }
    case 'task-spec':
      return {
        method: 'POST',
        path: `/integrations/${context.taskSpecIntegration ?? INTEGRATION_A1}/lan-agent/task-spec`,
        headers: { ...ALICE, ...JSON_BODY, 'x-org': ORG_A },
        body: '{"task_id":"{{task_id}}","lan_protocol_version":2,"payload":{"door":"front"}}',
        rotateTaskIds: SMALL_QUEUE,
      }
    case 'tasks':
      return {
        method: 'GET',
        path: `/integrations/${INTEGRATION_A1}/lan-agent/tasks`,
        headers: { ...ALICE, 'x-org': ORG_A },
      }
    case 'tasks-100k':
      return {
        method: 'GET',
        path: `/integrations/${INTEGRATION_A2}/lan-agent/tasks`,
        headers: { ...ALICE, 'x-org': ORG_A },
      }
  }
}
