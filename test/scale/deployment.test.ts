import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2019 } from 'ajv/dist/2019.js'
import t from 'tap'
import { parse } from 'yaml'
import { execForm, parseDockerfile, type Stage } from '../fixtures/scale/dockerfile.js'

const ROOT = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8')

interface Service {
  image?: string
  build?: unknown
  command?: string[] | string
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  healthcheck?: { test: string[] | string }
  depends_on?: Record<string, { condition: string }>
}

interface ComposeFile {
  services: Record<string, Service>
}

// Compose merges `<<: *anchor` keys (YAML 1.1), which the yaml package does on request.
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile
const services = compose.services
const servers = Object.entries(services).filter(([, service]) => service.build !== undefined)

function stageInstructions(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args)
}

t.test('docker-compose.yml matches the Compose Specification schema', async (t) => {
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  // The schema labels its parts with draft-04 `id`s ("#/definitions/service"), which ajv 8
  // refuses; they identify nothing that a $ref uses, so they are read as annotations.
  ajv.removeKeyword('id')
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' })
  // The schema names these formats without defining them; these are Compose's own grammars.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/)
  ajv.addFormat('ports', /^((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:]+\]:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  const vendored = JSON.parse(read('test/fixtures/scale/compose-spec.schema.json')) as object
  // It names the draft-2019-09 meta-schema by its http:// address with a trailing '#', which
  // ajv registers without; Ajv2019 checks the schema against that same draft anyway.
  const { $schema: _draft, ...schema } = vendored as { $schema?: string }
  const validate = ajv.compile(schema)
  t.ok(validate(compose), 'valid against the Compose schema', { errors: validate.errors })

  // The same validator must catch the mistakes a schema check is for.
  const misspelt = structuredClone(compose) as unknown as Record<string, any>
  misspelt.services.redis.helthcheck = misspelt.services.redis.healthcheck
  t.notOk(validate(misspelt), 'a misspelt service key is refused')
  const badDuration = structuredClone(compose) as unknown as Record<string, any>
  badDuration.services.redis.healthcheck.interval = 'ten seconds'
  t.notOk(validate(badDuration), 'a malformed duration is refused')
})

const composeProbe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' })
const noCompose =
  composeProbe.error || composeProbe.status !== 0
    ? 'no Docker client with compose here; the schema check stands in for it'
    : false

t.test('docker compose config accepts the file', { skip: noCompose }, async (t) => {
  const result = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], {
    cwd: fileURLToPath(ROOT),
    encoding: 'utf8',
  })
  t.equal(result.status, 0, `docker compose config: ${result.stderr}`)
})

t.test('every service has a healthcheck and publishes ports on 127.0.0.1 only', async (t) => {
  for (const [name, service] of Object.entries(services)) {
    t.ok(service.healthcheck?.test, `${name} has a healthcheck, so up --wait waits for it`)
    for (const port of service.ports ?? []) {
      t.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${port} on loopback only`)
    }
  }
})

t.test('redis is append-only and its data lives in a volume', async (t) => {
  const redis = services.redis
  t.ok(redis, 'a redis service')
  const command = ([] as string[]).concat(redis?.command ?? []).join(' ')
  t.match(command, /--appendonly yes/, 'append-only persistence')
  t.ok(redis?.volumes?.some((volume) => volume.endsWith(':/data')), '/data is a volume')
})

t.test('two server instances share one configuration', async (t) => {
  t.equal(servers.length, 2, 'two instances built from the Dockerfile')
  const [first, second] = servers.map(([, service]) => service)
  t.same(first?.environment, second?.environment, 'identical settings (same Redis, seed, keys)')
  const env = first?.environment ?? {}
  t.equal(env.HOST, '0.0.0.0', 'listens on all interfaces inside its container')
  t.match(env.REDIS_URL, /^redis:\/\/redis:6379$/, 'uses the compose Redis')
  t.ok(env.REDIS_KEY_PREFIX, 'a key prefix is pinned')
  t.equal(env.NODE_ENV, 'production', 'production mode')
  t.equal(env.ALLOW_DEV_SEED, 'true', 'the dev seed is allowed explicitly, as production needs')
  t.not(env.TRUST_PROXY, undefined, 'trusts the proxy in front')
  for (const [name, service] of servers) {
    t.equal(service.depends_on?.redis?.condition, 'service_healthy', `${name} waits for Redis`)
  }

  const proxy = services.proxy
  const published = proxy?.ports?.[0]?.split(':')[1]
  t.equal(env.PUBLIC_BASE_URL, `http://localhost:${published}`, 'PUBLIC_BASE_URL is the proxy')
  for (const [name] of servers) {
    t.equal(proxy?.depends_on?.[name]?.condition, 'service_healthy', `proxy waits for ${name}`)
  }
})

t.test('the proxy configuration is committed and fronts both instances', async (t) => {
  const mount = services.proxy?.volumes?.find((volume) => volume.includes('nginx.conf'))
  const file = mount?.split(':')[0]
  t.ok(file && existsSync(new URL(file, ROOT)), `the mounted file ${file} exists`)
  const conf = file ? read(file.replace(/^\.\//, '')) : ''
  for (const [name] of servers) {
    t.match(conf, new RegExp(`server ${name}:4455`), `the upstream includes ${name}`)
  }
  t.match(conf, /X-Forwarded-For \$proxy_add_x_forwarded_for/, 'it forwards the client address')
  t.match(conf, /listen 8080;/, 'it listens on the port compose publishes')
})

t.test('the Dockerfile builds in one stage and runs production code in another', async (t) => {
  const stages = parseDockerfile(read('Dockerfile'))
  t.ok(stages.length >= 2, 'a multi-stage build')
  const build = stages[0]!
  const runtime = stages.at(-1)!
  t.ok(build.name, 'the build stage is named')
  const buildRuns = stageInstructions(build, 'RUN').join('\n')
  t.match(buildRuns, /npm ci(?! --omit)/, 'the build stage installs dev dependencies')
  t.match(buildRuns, /npm run build/, 'and builds')
  t.match(JSON.parse(read('package.json')).scripts.build, /copy-assets/,
    'npm run build copies the Lua, template and agent assets into dist')

  t.match(runtime.image, /^node:\d+/, `the runtime image is a node image (${runtime.image})`)
  const runtimeRuns = stageInstructions(runtime, 'RUN').join('\n')
  t.match(runtimeRuns, /npm ci --omit=dev/, 'the runtime stage has production dependencies only')
  const copies = stageInstructions(runtime, 'COPY')
  t.ok(copies.some((c) => /^--from=\S+\s+\S*dist\s+\S*dist$/.test(c)), 'dist comes from the build')
  t.ok(copies.some((c) => /^seed\s/.test(c)), 'the seed is copied')
  t.notOk(copies.some((c) => /\bsrc\b|node_modules/.test(c)), 'no sources or dev modules')

  const users = stageInstructions(runtime, 'USER')
  t.equal(users.length > 0, true, 'a USER is set')
  t.notMatch(users.at(-1), /^(root|0)(:|$)/, `runs as a non-root user (${users.at(-1)})`)
  const userIndex = runtime.instructions.findIndex((i) => i.keyword === 'USER')
  const cmdIndex = runtime.instructions.findIndex((i) => i.keyword === 'CMD')
  t.ok(userIndex >= 0 && userIndex < cmdIndex, 'USER comes before CMD')

  const cmd = stageInstructions(runtime, 'CMD')
  t.same(cmd.map(execForm), [['node', 'dist/server.js']], 'CMD is node dist/server.js, exec form')
  t.same(stageInstructions(runtime, 'ENTRYPOINT'), [], 'no ENTRYPOINT wraps it')
  const healthcheck = stageInstructions(runtime, 'HEALTHCHECK')
  t.equal(healthcheck.length, 1, 'one HEALTHCHECK')
  const probe = execForm(healthcheck[0]?.replace(/^(--\S+\s+)*CMD\s+/, '') ?? '')
  t.equal(probe?.[0], 'node', 'the healthcheck runs node (slim images have no curl)')
  t.match(probe?.join(' '), /\/readyz/, 'and asks /readyz')
  t.notMatch(read('Dockerfile'), /npm start/, 'never npm start')
})

t.test('.dockerignore keeps local state out of the build context', async (t) => {
  const ignored = new Set(read('.dockerignore').split('\n').map((line) => line.trim()))
  for (const entry of ['node_modules', 'dist', '.git', '.env']) {
    t.ok(ignored.has(entry), `${entry} is ignored`)
  }
  for (const needed of ['src', 'seed', 'scripts', 'package.json', 'package-lock.json']) {
    t.notOk(ignored.has(needed), `${needed} stays in the context`)
  }
})
