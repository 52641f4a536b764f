import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The whole request body, as bytes (every front end reads bodies this way). */
export function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8')
}

/**
 * Listens on host:port (0: a free port) with the short keep-alive every front end uses, so a
 * stopped emulator does not wait for idle SDK connections; resolves with the port.
 */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return (server.address() as AddressInfo).port
}
