import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { MemorySnapshot } from './memory-store.js'

const FILE_NAME = 'lan-agent-state.json'

export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError'
}

/**
 * The embedded store's state on disk. The file holds bootstrap JWTs and the private signing
 * keys, so it is created with mode 0600 in a 0700 directory. Every write goes to a fresh
 * temporary file that is flushed to disk and then renamed over the old one: a crash or a full
 * disk mid-write leaves the previous state whole, never half a file.
 */
export class SnapshotFile {
  readonly path: string
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
    this.path = join(dir, FILE_NAME)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  }

  /** The saved state, or null when none was saved yet. Throws when the file is unreadable. */
  load(): MemorySnapshot | null {
    let raw: string
    try {
      raw = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new SnapshotFileError(`cannot read ${this.path}: ${(error as Error).message}`)
    }
    let snapshot: MemorySnapshot
    try {
      snapshot = JSON.parse(raw) as MemorySnapshot
    } catch (error) {
      throw new SnapshotFileError(`${this.path} is not valid JSON: ${(error as Error).message}`)
    }
    const valid =
      snapshot !== null &&
      typeof snapshot === 'object' &&
      snapshot.version === 1 &&
      Array.isArray(snapshot.tasks) &&
      Array.isArray(snapshot.bootstrapKeys) &&
      typeof snapshot.documents === 'object' &&
      snapshot.documents !== null
    if (!valid) throw new SnapshotFileError(`${this.path} is not a version 1 state file`)
    return snapshot
  }

  async save(snapshot: MemorySnapshot): Promise<void> {
    const temporary = join(this.#dir, `.${FILE_NAME}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      const file = await open(temporary, 'wx', 0o600)
      try {
        await file.writeFile(JSON.stringify(snapshot))
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(temporary, this.path)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
    await this.#syncDirectory()
  }

  /** Makes the rename itself durable: without it a power loss can bring back the old name. */
  async #syncDirectory(): Promise<void> {
    const dir = await open(this.#dir, 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  }
}
