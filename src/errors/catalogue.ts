/**
 * Every `error_code` the server can put in an error envelope, with its HTTP status and what it
 * means to a client. Handlers and tests branch on these codes, never on messages; the README's
 * error table is generated from this list, and a test fails when the server emits a code that
 * is not here.
 */
export const errorCatalogue = {
  invalid_json: { status: 400, meaning: 'The request body is not valid JSON.' },
  invalid_request: {
    status: 400,
    meaning: 'The body, query or a parameter does not match the operation schema.',
  },
  invalid_url: {
    status: 400,
    meaning: 'The path cannot be decoded (bad percent-encoding) or a path segment is too long.',
  },
  malformed_request: {
    status: 400,
    meaning: 'The bytes sent are not an HTTP request the server can parse.',
  },
  invalid_org_header: {
    status: 400,
    meaning: 'X-Org is missing, empty, repeated or not a ULID.',
  },
  invalid_integration_id: { status: 400, meaning: 'The integration id in the path is not a ULID.' },
  invalid_bootstrap_key: {
    status: 400,
    meaning: 'The bootstrap `key` query parameter is missing, repeated or not a ULID.',
  },
  invalid_fixture: {
    status: 400,
    meaning:
      'An admin fixture is malformed, names an unknown org, or reuses an id, task name or ' +
      'credential that already exists; nothing was stored.',
  },
  unauthenticated: {
    status: 401,
    meaning: 'No credential was sent: an API key, a session cookie or an agent token.',
  },
  invalid_credentials: {
    status: 401,
    meaning: 'A credential was sent but is unknown, malformed, expired or of the wrong kind.',
  },
  bootstrap_key_rejected: {
    status: 401,
    meaning: 'The bootstrap key is unknown, expired or already used.',
  },
  forbidden_org: {
    status: 403,
    meaning: 'The caller is not a member of the organisation named by X-Org.',
  },
  forbidden_integration: {
    status: 403,
    meaning: 'The agent token is scoped to another integration.',
  },
  integration_not_found: {
    status: 404,
    meaning: 'No such integration in this organisation (the same reply whether it exists or not).',
  },
  route_not_found: { status: 404, meaning: 'No operation lives at this path.' },
  method_not_allowed: {
    status: 405,
    meaning: 'The path exists but not under this method; `Allow` lists the methods it takes.',
  },
  request_timeout: {
    status: 408,
    meaning: 'The request was not received completely in time; the connection is closed.',
  },
  key_rotation_unavailable: {
    status: 409,
    meaning: 'Signing keys come from JWKS_PRIVATE_FILE, so the server does not rotate them.',
  },
  payload_too_large: { status: 413, meaning: 'The body exceeds the limit for this operation.' },
  uri_too_long: {
    status: 414,
    meaning: 'The query string, or a path parameter, exceeds its length limit.',
  },
  unsupported_media_type: { status: 415, meaning: 'The body must be sent as application/json.' },
  lan_protocol_too_old: {
    status: 426,
    meaning: 'The agent speaks a LAN protocol older than the minimum this server accepts.',
  },
  queue_full: { status: 429, meaning: 'The integration task queue holds its maximum of tasks.' },
  rate_limited: { status: 429, meaning: 'Too many requests; retry after `Retry-After` seconds.' },
  request_headers_too_large: {
    status: 431,
    meaning: 'The request line and headers exceed the size the server reads.',
  },
  internal_error: { status: 500, meaning: 'An unexpected fault; the reply carries no detail.' },
  storage_unavailable: {
    status: 503,
    meaning: 'The store (Redis) is unreachable; retry after `Retry-After` seconds.',
  },
  shutting_down: {
    status: 503,
    meaning: 'The instance is shutting down; retry, and a load balancer sends you elsewhere.',
  },
  signing_unavailable: {
    status: 503,
    meaning: 'No signing key is loaded, so no token can be minted.',
  },
} as const satisfies Record<string, { status: number; meaning: string }>

export type ErrorCode = keyof typeof errorCatalogue
