import { readFileSync } from 'node:fs'
import type { Cluster, Redis, Result } from 'ioredis'

/** The Lua scripts, loaded once and registered with `defineCommand`, which re-sends a script
 * whenever Redis has forgotten it (after a restart or SCRIPT FLUSH). */
const scripts = {
  lanPutTask: { file: 'put-task.lua', numberOfKeys: 4, pruneFirst: true },
  lanListTasks: { file: 'list-tasks.lua', numberOfKeys: 3, pruneFirst: true },
  lanCompareAndSet: { file: 'compare-and-set.lua', numberOfKeys: 1, pruneFirst: false },
  lanPutBootstrapKey: { file: 'put-bootstrap-key.lua', numberOfKeys: 2, pruneFirst: false },
  lanTakeBootstrapKey: { file: 'take-bootstrap-key.lua', numberOfKeys: 2, pruneFirst: false },
  // Takes a varying number of keys: the caller passes the count first.
  lanClearBootstrapKeys: {
    file: 'clear-bootstrap-keys.lua',
    numberOfKeys: null,
    pruneFirst: false,
  },
} as const

const readLua = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8')

export type RedisClient = Redis | Cluster

declare module 'ioredis' {
  interface RedisCommander<Context> {
    lanPutTask(
      order: string, expiry: string, tasks: string, sequence: string,
      now: number, taskId: string, payloadJson: string, expiresAt: number,
      maxTasks: number, ttlMs: number,
    ): Result<[string, string?, number?], Context>
    lanListTasks(
      order: string, expiry: string, tasks: string, now: number, withRecords: '0' | '1',
    ): Result<string[] | [string[], (string | null)[]], Context>
    lanCompareAndSet(
      key: string, expectAbsent: '0' | '1', expected: string, next: string,
    ): Result<number, Context>
    lanPutBootstrapKey(
      record: string, index: string,
      recordJson: string, ttlMs: number, now: number, expiresAt: number, key: string,
    ): Result<number, Context>
    lanTakeBootstrapKey(record: string, index: string, key: string): Result<string | null, Context>
    lanClearBootstrapKeys(
      numberOfKeys: number, index: string, ...keysThenIds: string[]
    ): Result<number, Context>
  }
}

export function registerScripts(client: RedisClient): void {
  const prune = readLua('prune-expired.lua')
  for (const [name, { file, numberOfKeys, pruneFirst }] of Object.entries(scripts)) {
    const lua = pruneFirst ? `${prune}\n${readLua(file)}` : readLua(file)
    client.defineCommand(name, { numberOfKeys: numberOfKeys ?? undefined, lua })
  }
}
