import { createServer, request, type Server } from 'node:http'

/** One exchange the proxy passed through: the request as sent, the answer as the emulator wrote it. */
export interface Exchange {
  readonly method: string
  readonly url: string
  readonly requestHeaders: Readonly<Record<string, string | string[] | undefined>>
  readonly requestBody: string
  readonly status: number
  readonly responseBody: string
}

/**
 * A pass-through HTTP proxy in front of an emulator endpoint that keeps every exchange, so a
 * test sees the exact bytes an SDK sent and the emulator answered. Headers (Host included) go
 * through unchanged, so signatures made for the proxy's address still verify.
 */
export async function recordingProxy(target: string): Promise<{ endpoint: string; exchanges: Exchange[]; close(): Promise<void> }> {
  const t = new URL(target)
  const exchanges: Exchange[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks)
      const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const out: Buffer[] = []
        answer.on('data', (c: Buffer) => out.push(c))
        answer.on('end', () => {
          const body = Buffer.concat(out)
          exchanges.push({
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            requestHeaders: req.headers,
            requestBody: requestBody.toString(),
            status: answer.statusCode ?? 0,
            responseBody: body.toString(),
          })
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          res.end(body)
        })
      })
      up.on('error', (e) => res.destroy(e))
      up.end(requestBody)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
