import { Type, type Static } from '@sinclair/typebox'

/** An RFC 3339 instant such as `2030-01-01T00:00:00Z`. */
const ISO_INSTANT = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?(Z|[+-]\\d{2}:\\d{2})$'

/**
 * Every setting the server reads from the environment. This schema is the only description of
 * the configuration: the type below is derived from it, and `loadConfig` validates against it.
 */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union(
    [Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    { default: 'development' },
  ),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4455 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /**
   * Which peers may set X-Forwarded-For (the client address then used by rate limits and logs):
   * `false` (default), `true` (any), a hop count, or a comma-separated list of IPs and CIDRs.
   * Never used to build URLs: those come from PUBLIC_BASE_URL alone.
   */
  TRUST_PROXY: Type.String({ default: 'false', minLength: 1 }),
  /** Lets NODE_ENV=production run with the dev seed, whose credentials are public. */
  ALLOW_DEV_SEED: Type.Boolean({ default: false }),
  /** Public origin of this server, used where a URL must be absolute (agent downloads). */
  PUBLIC_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),

  /**
   * Origins allowed to call the API from a browser: `*`, or a comma-separated list. Unset means
   * `*` outside production (a local test target) and no cross-origin access in production.
   */
  CORS_ORIGINS: Type.Optional(Type.String({ minLength: 1 })),

  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Comma-separated host:port seeds of a Redis Cluster; takes precedence over REDIS_URL. */
  REDIS_CLUSTER_NODES: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9.\\[\\]:-]+:[0-9]+(,[A-Za-z0-9.\\[\\]:-]+:[0-9]+)*$' }),
  ),
  /**
   * Comma-separated host:port of Redis Sentinels; the master is asked of them (and asked again
   * after a failover). Used when REDIS_CLUSTER_NODES is unset; REDIS_URL then only supplies
   * credentials and the database.
   */
  REDIS_SENTINELS: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9.\\[\\]:-]+:[0-9]+(,[A-Za-z0-9.\\[\\]:-]+:[0-9]+)*$' }),
  ),
  /** The master name the Sentinels monitor (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_NAME: Type.String({ minLength: 1, default: 'mymaster' }),
  REDIS_KEY_PREFIX: Type.String({ default: 'lan-agent:', pattern: '^[A-Za-z0-9:._-]{0,64}$' }),
  REDIS_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ minimum: 50, default: 1_000 }),

  /** Path of a seed file; unset means the dev seed shipped with the project. */
  LAN_AGENT_SEED: Type.Optional(Type.String({ minLength: 1 })),

  LAN_PROTOCOL_VERSION: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 2 }),
  LAN_PROTOCOL_MIN_VERSION: Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 2 }),

  BOOTSTRAP_KEY_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  BOOTSTRAP_SINGLE_USE: Type.Boolean({ default: false }),
  AGENT_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 2_592_000, default: 3600 }),
  TASK_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 31_536_000, default: 86_400 }),
  TASK_QUEUE_MAX: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 10_000 }),
  TASK_PAYLOAD_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 67_108_864, default: 262_144 }),

  JWT_ISSUER: Type.String({ minLength: 1, default: 'oathkeeper' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'openapp-lan-agent' }),
  /**
   * How long a rotated-in key is published before it signs. The JWKS reply may be cached for
   * 60 s, so by default a verifier that cached it just before the rotation still knows the key.
   */
  JWKS_ROTATION_LEAD_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),
  /** Path of a private JWK set (JSON `{"keys": [...]}`); unset means keys live in the store. */
  JWKS_PRIVATE_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * How often an instance on Redis re-reads the shared keyring, so a key rotated elsewhere is
   * published (and used for signing) here within this bound. Tokens with an unknown `kid`
   * trigger a re-read at once, so verification does not wait for it.
   */
  JWKS_REFRESH_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000 }),

  /**
   * The test-control surface under /__admin. Unset means on, except with NODE_ENV=production,
   * where it is off unless ADMIN_TOKEN is set. `false` turns it off everywhere.
   */
  ADMIN_ENABLED: Type.Optional(Type.Boolean()),
  /** When set, every /__admin call needs `Authorization: Bearer <ADMIN_TOKEN>`. */
  ADMIN_TOKEN: Type.Optional(
    Type.String({ minLength: 16, maxLength: 512, pattern: '^[\\x21-\\x7e]+$' }),
  ),
  /** How often an instance re-reads the shared admin state (fixtures, faults, clock). */
  ADMIN_SYNC_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
  /** Requests kept by the admin journal of each instance; the oldest are dropped. */
  JOURNAL_MAX_ENTRIES: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  /** Request and response bodies longer than this are kept truncated in the journal. */
  JOURNAL_BODY_MAX_BYTES: Type.Integer({ minimum: 0, maximum: 1_048_576, default: 16_384 }),
  /** Makes generated ids, and signing keys made without JWKS_PRIVATE_FILE, reproducible. */
  DETERMINISTIC_SEED: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  /** Freezes the server clock at this instant; it then moves only through /__admin/clock. */
  CLOCK_FROZEN_AT: Type.Optional(Type.String({ pattern: ISO_INSTANT })),

  /**
   * Where the embedded store keeps its state across restarts (written on shutdown and every
   * DATA_FLUSH_INTERVAL_MS while it changes); unset means state lives in memory only.
   */
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** How often changed embedded state is written to DATA_DIR; 0 writes on shutdown only. */
  DATA_FLUSH_INTERVAL_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2000 }),

  /** In-flight requests get this long after SIGTERM/SIGINT before the process gives up. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
  /** A request must arrive whole (headers and body) within this time, else 408. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
  /** Request line plus headers; beyond it Node refuses the request with 431. */
  MAX_HEADER_BYTES: Type.Integer({ minimum: 1024, maximum: 1_048_576, default: 16_384 }),
  /** The query string of any request; beyond it, 414. */
  MAX_QUERY_BYTES: Type.Integer({ minimum: 64, maximum: 1_048_576, default: 2048 }),

  /** Length of every rate-limit window. A limit of 0 switches that limit off. */
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
  /** bootstrap-token calls per window from one client address, and by one user. */
  RATE_LIMIT_MINT_PER_ADDRESS: Type.Integer({ minimum: 0, default: 60 }),
  RATE_LIMIT_MINT_PER_USER: Type.Integer({ minimum: 0, default: 30 }),
  /** bootstrap.sh downloads per window from one client address, and of one user's keys. */
  RATE_LIMIT_SCRIPT_PER_ADDRESS: Type.Integer({ minimum: 0, default: 120 }),
  RATE_LIMIT_SCRIPT_PER_USER: Type.Integer({ minimum: 0, default: 120 }),
  /** cli/token calls per window by one user. */
  RATE_LIMIT_TOKEN_PER_USER: Type.Integer({ minimum: 0, default: 300 }),

  /** Agent release advertised by `/lan-agent/meta`; unset means the bundled reference agent. */
  LATEST_AGENT_VERSION: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  MIN_SUPPORTED_AGENT_VERSION: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Directory URL holding agent builds and SHA256SUMS; unset means this server's dist route. */
  AGENT_DOWNLOAD_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://\\S+$' })),

  /** The API reference page at /docs (read-only; it fills in credentials only for the dev seed). */
  DOCS_ENABLED: Type.Boolean({ default: true }),
})

export type Config = Static<typeof ConfigSchema>
