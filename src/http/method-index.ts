import FindMyWay from 'find-my-way'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/**
 * Fastify answers 404 for a known path under an unknown method. This index of every route's
 * path and methods lets the not-found handler tell the two apart and answer 405 with `Allow`.
 */
export class MethodIndex {
  // The same matching rules as the app's router: with looser ones, `//api/v1/lan-agent/meta`
  // (which Fastify does not route) was answered "GET is not allowed here; use GET, HEAD".
  readonly #router = FindMyWay({ ignoreTrailingSlash: true })
  readonly #added = new Set<string>()

  add(method: string | string[], url: string): void {
    // A catch-all route (CORS preflight answers OPTIONS on `*`) says nothing about which
    // paths exist; indexing it would turn every unknown path into a 405.
    if (url === '*' || url.endsWith('/*')) return
    for (const one of Array.isArray(method) ? method : [method]) {
      const key = `${one} ${url}`
      if (this.#added.has(key) || !METHODS.includes(one as (typeof METHODS)[number])) continue
      this.#added.add(key)
      this.#router.on(one as (typeof METHODS)[number], url, () => {})
    }
  }

  /** Methods that would match `path`, or an empty list when no route has that path. */
  allowed(path: string): string[] {
    return METHODS.filter((method) => this.#router.find(method, path) !== null)
  }
}
