// The ceiling of the bootstrap routes: how many ES256 JWTs jose alone signs and verifies per
// second, with claims shaped like a bootstrap token and 10 operations in flight, as the
// server has with 10 connections (jose uses WebCrypto, which runs on libuv's thread pool, so
// concurrent operations use more than one core). A route that signs (or verifies) one JWT per
// request cannot beat this figure; the bench reports how close it gets.
// Prints {"sign": n, "verify": n} (operations per second).
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose'

const seconds = Number(process.argv[2] ?? 2)
const { privateKey: generated } = await generateKeyPair('ES256', { extractable: true })
const privateJwk = await exportJWK(generated)
const { d: _d, ...publicJwk } = privateJwk
const privateKey = await importJWK(privateJwk, 'ES256')
const publicKey = await importJWK(publicJwk, 'ES256')
const claims = {
  sub: '01KDVDNA00TTN1C5B5Q54EGGYP',
  orgs: ['01KDVDNA00C1T4BQYG24SAJ1Q4'],
  task_id: 'serve',
  integration_id: null,
  device_id: null,
  api_base_url: 'http://localhost:4455/api/v1',
}
const typ = 'lan-agent-bootstrap+jwt'

function sign(): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: '01KDVDNA000000000000000KID', typ })
    .setIssuer('oathkeeper')
    .setAudience('openapp-lan-agent:bootstrap')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .setJti('01KDVDNA000000000000000JTI')
    .sign(privateKey)
}

const IN_FLIGHT = 10

/** Runs `work` in IN_FLIGHT loops for `seconds` and answers operations per second. */
async function rate(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await work()
  const started = performance.now()
  let count = 0
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() - started < seconds * 1000) {
        await work()
        count++
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}

const token = await sign()
const signRate = await rate(sign)
const verifyRate = await rate(() =>
  jwtVerify(token, publicKey, {
    algorithms: ['ES256'],
    issuer: 'oathkeeper',
    audience: 'openapp-lan-agent:bootstrap',
    typ,
    clockTolerance: 60,
    requiredClaims: ['sub', 'exp', 'iat', 'jti'],
  }),
)
process.stdout.write(`${JSON.stringify({ sign: signRate, verify: verifyRate })}\n`)
