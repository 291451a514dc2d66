import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import { redactUrl } from '../logging.js'

/**
 * One access line per request instead of Fastify's two ("incoming request" at start and
 * "request completed" at the end). The single line carries what both did (method, redacted
 * URL, client address, status, duration, request id), and formatting and writing a log line
 * was about a third of the CPU a `GET /lan-agent/meta` costs (docs/bench/). Its fields are
 * flat values rather than the request and reply objects: those go through the serializers and
 * the redaction of nested paths on every line, about 5 µs a request. The start line is kept at
 * debug, for an operator chasing a request that never completes.
 */
export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: redactUrl(request.url),
      remoteAddress: request.ip,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}
