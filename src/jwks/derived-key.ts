import { createECDH, createHash } from 'node:crypto'
import type { JWK } from 'jose'

/**
 * A P-256 private key derived from the deterministic-mode seed and the key's id, so two runs
 * with the same seed publish the same JWKS. The scalar is SHA-256(seed, kid, counter); the rare
 * digest that is not a valid scalar (zero or not below the group order, about 2^-32) is skipped
 * by bumping the counter. Only for test deployments: anyone who knows the seed holds the key.
 */
export function deriveSigningJwk(seed: string, kid: string): JWK {
  for (let counter = 0; counter < 16; counter += 1) {
    const scalar = createHash('sha256')
      .update(`lan-agent-server signing key\0${seed}\0${kid}\0${counter}`, 'utf8')
      .digest()
    const ecdh = createECDH('prime256v1')
    try {
      ecdh.setPrivateKey(scalar)
    } catch {
      continue
    }
    const point = ecdh.getPublicKey()
    return {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
      d: scalar.toString('base64url'),
    }
  }
  throw new Error('no valid P-256 scalar derived from the seed')
}
