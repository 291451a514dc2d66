import type { FastifyInstance } from 'fastify'
import { ApiError } from '../errors/api-error.js'

/**
 * JSON is the only body type the API takes. Fastify's own JSON parser refuses an empty body,
 * but CONTRACT.md makes "no body", an empty body with a JSON content type, `{}` and `null` the
 * same request; the text/plain parser is removed so a JSON text sent as text/plain is a 415
 * and never reaches a handler as a string.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain'])
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request, body, done) => {
      if (typeof body === 'string' && body.trim() === '') {
        done(null, undefined)
        return
      }
      parseJson(request, String(body), (error, value) => {
        if (error) {
          done(new ApiError('invalid_json', 'The request body is not valid JSON.'), undefined)
          return
        }
        done(null, value)
      })
    },
  )
}
