import { createReadStream } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { networkInterfaces } from 'node:os'
import { join, resolve, sep } from 'node:path'

/**
 * The HTTP server vsphere-iso starts for the installer (Packer's StepHTTPServer): it serves
 * `http_directory` (files, directory listings, index.html, as Go's http.FileServer) or the
 * `http_content` map, on `http_bind_address` and the first free port Packer would pick in
 * `http_port_min`..`http_port_max`. Only GET and HEAD; nothing outside the directory.
 */
export interface HttpServeOptions {
  /** Packer's http_directory (absolute). */
  readonly directory?: string
  /** Packer's http_content (Packer 1.7+): URL path -> file content. */
  readonly content?: Readonly<Record<string, string>>
  /** Packer's http_bind_address (default 0.0.0.0). */
  readonly bindAddress: string
  /** Packer's http_port_min / http_port_max (defaults 8000 / 9000). */
  readonly portMin: number
  readonly portMax: number
  readonly signal: AbortSignal
  /** Called for every request served (for logs). */
  readonly onRequest?: (method: string, path: string, status: number) => void
  /** Port order to try (Packer tries random ports in the range); default: random. */
  readonly random?: () => number
}

export interface RunningHttpServer {
  readonly port: number
  readonly address: string
  close(): Promise<void>
}

/** Starts the server on a free port of the range; fails when every port is taken. */
export async function startHttpServer(o: HttpServeOptions): Promise<RunningHttpServer> {
  if (o.portMin > o.portMax) throw new Error(`http_port_min (${o.portMin}) must be less than or equal to http_port_max (${o.portMax})`)
  const root = o.directory ? await realpath(o.directory) : undefined
  const ports = Array.from({ length: o.portMax - o.portMin + 1 }, (_, i) => o.portMin + i)
  const rand = o.random ?? Math.random
  for (let i = ports.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[ports[i], ports[j]] = [ports[j]!, ports[i]!]
  }
  let last: unknown
  for (const port of ports) {
    o.signal.throwIfAborted()
    const server = createServer((req, res) => {
      handle(req, res, root, o.content).then(
        (status) => o.onRequest?.(req.method ?? '', req.url ?? '', status),
        () => {
          if (!res.headersSent) res.writeHead(500)
          res.end()
        },
      )
    })
    try {
      await listen(server, port, o.bindAddress)
    } catch (e) {
      last = e
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || (e as NodeJS.ErrnoException).code === 'EACCES') continue
      throw e
    }
    return {
      port,
      address: o.bindAddress,
      close: () =>
        new Promise<void>((done) => {
          server.close(() => done())
          server.closeAllConnections()
        }),
    }
  }
  throw new Error(`no free port for the HTTP server in ${o.portMin}-${o.portMax} on ${o.bindAddress}: ${(last as Error)?.message ?? 'empty range'}`)
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((ok, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      ok()
    })
  })
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  root: string | undefined,
  content: Readonly<Record<string, string>> | undefined,
): Promise<number> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n')
  let path: string
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  } catch {
    return send(res, 400, 'bad path\n')
  }
  if (content) {
    const key = path.startsWith('/') ? path : `/${path}`
    const body = content[key] ?? content[key.slice(1)]
    if (body === undefined) return send(res, 404, '404 page not found\n')
    return send(res, 200, body, req.method === 'HEAD', 'application/octet-stream')
  }
  if (!root) return send(res, 404, '404 page not found\n')
  const target = resolve(root, `.${path}`)
  if (target !== root && !target.startsWith(root + sep)) return send(res, 404, '404 page not found\n')
  let real: string
  try {
    real = await realpath(target)
  } catch {
    return send(res, 404, '404 page not found\n')
  }
  // A symlink leading out of the directory is not served.
  if (real !== root && !real.startsWith(root + sep)) return send(res, 404, '404 page not found\n')
  const st = await stat(real)
  if (st.isDirectory()) {
    if (!path.endsWith('/')) {
      res.writeHead(301, { Location: `${path.split('/').pop()}/` })
      res.end()
      return 301
    }
    try {
      const index = join(real, 'index.html')
      if ((await stat(index)).isFile()) return sendFile(res, index, req.method === 'HEAD')
    } catch {
      // no index.html: list the directory
    }
    const names = (await readdir(real, { withFileTypes: true })).map((d) => (d.isDirectory() ? `${d.name}/` : d.name)).sort()
    const html = `<pre>\n${names.map((n) => `<a href="${encodeURI(n)}">${escapeHtml(n)}</a>`).join('\n')}\n</pre>\n`
    return send(res, 200, html, req.method === 'HEAD', 'text/html; charset=utf-8')
  }
  return sendFile(res, real, req.method === 'HEAD')
}

function send(res: ServerResponse, status: number, body: string, head = false, type = 'text/plain; charset=utf-8'): number {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  res.end(head ? undefined : body)
  return status
}

async function sendFile(res: ServerResponse, file: string, head: boolean): Promise<number> {
  const st = await stat(file)
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size })
  if (head) {
    res.end()
    return 200
  }
  await new Promise<void>((ok, fail) => {
    const s = createReadStream(file)
    s.once('error', fail)
    s.once('end', ok)
    s.pipe(res)
  })
  return 200
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * The address the boot command's `{{ .HTTPIP }}` names (Packer's StepHTTPIPDiscover): http_ip
 * when given; else the bind address when it is a specific one; else this host's first
 * non-loopback IPv4 address; 127.0.0.1 when it has none.
 */
export function httpIp(o: { httpIp?: string | undefined; bindAddress: string }): string {
  if (o.httpIp) return o.httpIp
  if (o.bindAddress && o.bindAddress !== '0.0.0.0' && o.bindAddress !== '::') return o.bindAddress
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
}
