import { readFileSync } from 'node:fs'
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import type { FastifyBaseLogger as Logger } from 'fastify'
import type { Store } from '../store/types.js'

export const SIGNING_ALGORITHM = 'ES256'
const DOCUMENT = 'jwks'

/** One signing key as kept in the store. */
export interface StoredKey {
  kid: string
  privateJwk: JWK
  createdAt: number
  /** The key signs from this instant; before it, it is only published (rotation overlap). */
  activatesAt: number
  /** When a newer key took over; stays published until every token it signed expired. */
  retiredAt: number | null
}

interface KeyringDocument {
  version: 1
  keys: StoredKey[]
}

interface LoadedKey {
  meta: StoredKey
  privateKey: CryptoKey
  publicKey: CryptoKey
  publicJwk: JWK & { kid: string; alg: string; use: string; kty: string }
}

export interface KeyringOptions {
  store: Store
  logger: Logger
  now: () => number
  /** Longest lifetime of any token we sign, plus skew: how long a retired key stays published. */
  retainRetiredMs: number
  /** How long a new key is published before it signs. */
  rotationLeadMs: number
  /** A private JWK set file; when given, keys come from it and are never rotated in the store. */
  privateKeyFile?: string
  /** Makes generated key ids reproducible (deterministic mode). */
  newKid: (now: number) => string
  /** Derives the key material from its id instead of drawing it at random (deterministic mode). */
  deriveKey?: (kid: string) => JWK
}

/**
 * The signing keys: generated at first start and kept in the store, so restarts and every
 * instance sharing that store sign and verify with the same keys. Keys are imported once and
 * cached; an unknown `kid` triggers one reload from the store before a token is refused, so a
 * key rotated on another instance verifies here at once.
 */
export class Keyring {
  readonly #options: KeyringOptions
  #keys = new Map<string, LoadedKey>()
  #raw: string | null = null
  #reloading: Promise<void> | null = null
  #refresh: NodeJS.Timeout | null = null

  constructor(options: KeyringOptions) {
    this.#options = options
  }

  get fromFile(): boolean {
    return this.#options.privateKeyFile !== undefined
  }

  async load(): Promise<void> {
    if (this.#options.privateKeyFile) {
      await this.#adopt(readKeyFile(this.#options.privateKeyFile, this.#options.now()))
      return
    }
    const raw = await this.#options.store.getDocument(DOCUMENT)
    if (raw !== null) return this.#adoptRaw(raw)
    const now = this.#options.now()
    const first: KeyringDocument = {
      version: 1,
      keys: [await this.#generate(now, now)],
    }
    const created = JSON.stringify(first)
    if (await this.#options.store.compareAndSetDocument(DOCUMENT, null, created)) {
      this.#options.logger.info({ kid: first.keys[0]?.kid }, 'generated the first signing key')
      return this.#adoptRaw(created)
    }
    // Another instance created the keyring between our read and our write: use theirs.
    const theirs = await this.#options.store.getDocument(DOCUMENT)
    if (theirs === null) throw new Error('keyring vanished while it was being created')
    return this.#adoptRaw(theirs)
  }

  /** Re-reads the store; callers waiting at the same time share one read. */
  reload(): Promise<void> {
    if (this.fromFile) return Promise.resolve()
    this.#reloading ??= this.#options.store
      .getDocument(DOCUMENT)
      .then((raw) => (raw === null || raw === this.#raw ? undefined : this.#adoptChange(raw)))
      .finally(() => {
        this.#reloading = null
      })
    return this.#reloading
  }

  /**
   * Re-reads the shared keyring every `intervalMs`, so a key rotated by another instance is
   * published and signs here within that bound (verification does not wait: an unknown `kid`
   * reloads at once). A failed read keeps the keys already loaded and is logged once per
   * outage. The timer is unref'd, so it never holds the process open.
   */
  startRefresh(intervalMs: number): void {
    if (this.fromFile || this.#refresh) return
    let failing = false
    const log = this.#options.logger
    this.#refresh = setInterval(() => {
      this.reload().then(
        () => {
          if (failing) log.info('keyring refresh works again')
          failing = false
        },
        (error: unknown) => {
          if (this.#refresh === null) return
          if (!failing) log.warn({ err: error }, 'keyring refresh failed; keeping the loaded keys')
          failing = true
        },
      )
    }, intervalMs)
    this.#refresh.unref()
  }

  stopRefresh(): void {
    if (this.#refresh) clearInterval(this.#refresh)
    this.#refresh = null
  }

  get ready(): boolean {
    return this.#keys.size > 0
  }

  /**
   * The newest key that is active at `now`, or undefined when none is (a 503 for the caller).
   * A key signs from `activatesAt` until `retiredAt`: judging both by `now`, rather than
   * treating a set `retiredAt` as "retired already", keeps the old key signing while a new one
   * waits out its lead, and after the admin clock is reset behind a rotation.
   */
  signingKey(now: number): LoadedKey | undefined {
    let best: LoadedKey | undefined
    for (const key of this.#keys.values()) {
      const { activatesAt, retiredAt } = key.meta
      // The outgoing key keeps signing until the incoming one activates: never a gap.
      if (activatesAt > now || (retiredAt !== null && retiredAt <= now)) continue
      if (!best || key.meta.activatesAt > best.meta.activatesAt) best = key
    }
    return best
  }

  verificationKey(kid: string): CryptoKey | undefined {
    return this.#keys.get(kid)?.publicKey
  }

  /** The public keys to publish at `now`: active, pending and recently retired ones. */
  publicJwks(now: number): LoadedKey['publicJwk'][] {
    return [...this.#keys.values()]
      .filter((key) => this.#published(key.meta, now))
      .sort((a, b) => b.meta.createdAt - a.meta.createdAt)
      .map((key) => key.publicJwk)
  }

  describe(now: number) {
    const signing = this.signingKey(now)?.meta.kid ?? null
    return [...this.#keys.values()].map(({ meta }) => ({
      kid: meta.kid,
      created_at: new Date(meta.createdAt).toISOString(),
      activates_at: new Date(meta.activatesAt).toISOString(),
      retired_at: meta.retiredAt === null ? null : new Date(meta.retiredAt).toISOString(),
      signing: meta.kid === signing,
      published: this.#published(meta, now),
    }))
  }

  /**
   * Adds a new key that signs after the rotation lead; the current key retires at that moment.
   * Written with compare-and-set, so two instances rotating at once cannot lose a key.
   */
  async rotate(now: number, leadMs = this.#options.rotationLeadMs): Promise<StoredKey> {
    if (this.fromFile) throw new Error('keys loaded from JWKS_PRIVATE_FILE are not rotated here')
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const raw = await this.#options.store.getDocument(DOCUMENT)
      const current: KeyringDocument = raw ? JSON.parse(raw) : { version: 1, keys: [] }
      const activatesAt = now + leadMs
      const fresh = await this.#generate(now, activatesAt)
      const keys = current.keys
        .filter((key) => this.#published(key, now))
        .map((key) => (key.retiredAt === null ? { ...key, retiredAt: activatesAt } : key))
      const next = JSON.stringify({ version: 1, keys: [...keys, fresh] })
      if (await this.#options.store.compareAndSetDocument(DOCUMENT, raw, next)) {
        await this.#adoptRaw(next)
        this.#options.logger.info({ kid: fresh.kid, activatesAt }, 'signing key rotated')
        return fresh
      }
    }
    throw new Error('keyring kept changing while rotating; try again')
  }

  #published(meta: StoredKey, now: number): boolean {
    if (this.fromFile) return true
    return meta.retiredAt === null || now < meta.retiredAt + this.#options.retainRetiredMs
  }

  async #generate(now: number, activatesAt: number): Promise<StoredKey> {
    const kid = this.#options.newKid(now)
    const privateJwk = this.#options.deriveKey
      ? this.#options.deriveKey(kid)
      : await exportJWK(
          (await generateKeyPair(SIGNING_ALGORITHM, { extractable: true })).privateKey,
        )
    return { kid, privateJwk, createdAt: now, activatesAt, retiredAt: null }
  }

  /** Adopts a keyring another instance wrote, saying so when the signing key changed. */
  async #adoptChange(raw: string): Promise<void> {
    const now = this.#options.now()
    const before = this.signingKey(now)?.meta.kid
    await this.#adoptRaw(raw)
    const after = this.signingKey(now)?.meta.kid
    if (before !== after) {
      this.#options.logger.info({ kid: after, previous: before }, 'adopted a key rotated elsewhere')
    }
  }

  async #adoptRaw(raw: string): Promise<void> {
    const document = JSON.parse(raw) as KeyringDocument
    await this.#adopt(document.keys)
    this.#raw = raw
  }

  async #adopt(keys: StoredKey[]): Promise<void> {
    const loaded = new Map<string, LoadedKey>()
    for (const meta of keys) {
      const known = this.#keys.get(meta.kid)
      loaded.set(meta.kid, known ? { ...known, meta } : await importKey(meta))
    }
    this.#keys = loaded
  }
}

async function importKey(meta: StoredKey): Promise<LoadedKey> {
  const { d: _private, ...publicPart } = meta.privateJwk
  const publicJwk = {
    ...publicPart,
    kty: publicPart.kty ?? 'EC',
    kid: meta.kid,
    alg: SIGNING_ALGORITHM,
    use: 'sig',
  }
  return {
    meta,
    privateKey: (await importJWK(meta.privateJwk, SIGNING_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, SIGNING_ALGORITHM)) as CryptoKey,
    publicJwk,
  }
}

/**
 * Reads `{"keys": [private EC P-256 JWKs with kid]}`; all are published and the last one signs
 * (it has the latest `activatesAt`; the others retire only in the far future, so they stay
 * published however long the process runs).
 */
function readKeyFile(path: string, now: number): StoredKey[] {
  const document = JSON.parse(readFileSync(path, 'utf8')) as { keys?: JWK[] }
  const keys = document.keys ?? []
  if (keys.length === 0) throw new Error(`${path}: no keys`)
  return keys.map((jwk, index) => {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) {
      throw new Error(`${path}: key ${index} must be a private EC P-256 JWK with a kid`)
    }
    return {
      kid: jwk.kid,
      privateJwk: jwk,
      createdAt: now - (keys.length - index),
      activatesAt: 0,
      // Older keys of the file verify but never sign; a file's keys are always published.
      retiredAt: index === keys.length - 1 ? null : now,
    }
  })
}
