import { ApiError, type ApiErrorOptions } from '../errors/api-error.js'
import { errorCatalogue, type ErrorCode } from '../errors/catalogue.js'
import type { OperationInfo } from './operations.js'

const BOOTSTRAP_SH = 'get_lan_agent_cli_bootstrap_sh'
const TASK_SPEC = 'post_integration_lan_agent_task_spec'

/** Values a forced reply names, the same ones a real refusal carries. */
export interface FaultReplyContext {
  /** The effective body limit of the route, for a forced 413. */
  bodyLimit: number
  minProtocolVersion: number
  protocolVersion: number
  upgradeDownloadUrl: string
}

/**
 * The error code a real reply of this operation would carry for this status, so a client under
 * test sees exactly what it would see in the wild: bootstrap.sh refuses keys with its own codes,
 * integration routes answer 404 with `integration_not_found`, task-spec's 429 is `queue_full`.
 */
export function naturalCode(operation: OperationInfo, status: number): ErrorCode | undefined {
  const id = operation.operationId
  switch (status) {
    case 400:
      return id === BOOTSTRAP_SH ? 'invalid_bootstrap_key' : 'invalid_request'
    case 401:
      return id === BOOTSTRAP_SH ? 'bootstrap_key_rejected' : 'invalid_credentials'
    case 403:
      return 'forbidden_org'
    case 404:
      return operation.integrationScoped ? 'integration_not_found' : 'route_not_found'
    case 429:
      return id === TASK_SPEC ? 'queue_full' : 'rate_limited'
    case 503:
      return 'storage_unavailable'
  }
  // Any other status has one natural code: the first catalogue entry with that status.
  return (Object.keys(errorCatalogue) as ErrorCode[]).find(
    (code) => errorCatalogue[code].status === status,
  )
}

/** The error a forced status becomes, with the headers and extra fields that status needs. */
export function faultError(
  operation: OperationInfo,
  status: number,
  context: FaultReplyContext,
  source: string,
): ApiError {
  const code = naturalCode(operation, status)
  if (code === undefined) throw new Error(`no error code for status ${status}`)
  const options: ApiErrorOptions = {}
  switch (status) {
    case 401:
      options.headers = { 'www-authenticate': 'Bearer' }
      break
    case 405:
      options.headers = { allow: operation.method }
      break
    case 413:
      options.extra = { limit_bytes: context.bodyLimit }
      break
    case 426:
      options.headers = { upgrade: `lan-protocol/${context.minProtocolVersion}` }
      options.extra = {
        min_lan_protocol_version: context.minProtocolVersion,
        lan_protocol_version: context.protocolVersion,
        upgrade_download_url: context.upgradeDownloadUrl,
      }
      break
    case 429:
      options.headers = { 'retry-after': code === 'queue_full' ? '60' : '1' }
      break
    case 503:
      options.headers = { 'retry-after': '1' }
      break
  }
  const message = `${errorCatalogue[code].meaning} (Forced by ${source}.)`
  return new ApiError(code, message, options)
}
