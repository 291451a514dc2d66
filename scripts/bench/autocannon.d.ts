// autocannon ships no type declarations; this covers the part of its API the bench uses.
declare module 'autocannon' {
  interface RawRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    timeout?: number
    requests?: (RawRequest & { setupRequest?: (request: RawRequest) => RawRequest })[]
  }
  interface Histogram {
    average: number
    p50: number
    p99: number
    total: number
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    non2xx: number
    errors: number
    timeouts: number
    [statusClass: string]: unknown
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
