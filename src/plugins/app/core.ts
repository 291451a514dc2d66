import fp from 'fastify-plugin'
import { Clock } from '../../clock.js'
import type { Config } from '../../config/schema.js'
import { Directory, directoryDataFromSeed } from '../../directory/directory.js'
import type { IdGenerator } from '../../ids/ulid.js'
import type { Seed } from '../../seed/schema.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    clock: Clock
    ids: IdGenerator
    seed: Seed
    directory: Directory
  }
}

export interface CoreOptions {
  config: Config
  clock: Clock
  ids: IdGenerator
  seed: Seed
}

/** The pieces every other plugin reads: configuration, the clock, id generation, tenants. */
export default fp<CoreOptions>(
  async (app, options) => {
    app.decorate('config', options.config)
    app.decorate('clock', options.clock)
    app.decorate('ids', options.ids)
    app.decorate('seed', options.seed)
    app.decorate('directory', new Directory(directoryDataFromSeed(options.seed)))
  },
  { name: 'core' },
)
