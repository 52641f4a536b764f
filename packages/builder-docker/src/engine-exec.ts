/**
 * `docker exec -i` through the Docker Engine API on its unix socket, without starting the
 * docker CLI: each CLI run costs a process start and a daemon handshake (100-300 ms on a busy
 * machine), which a build of many small commands pays over and over, and SSH would not. Same
 * streams, same exit status; the command line is what the CLI would send (no secret in it).
 * Used when the engine is a local socket and TSIMG_DOCKER_BIN does not name another CLI.
 */
import { EventEmitter } from 'node:events'
import { request } from 'node:http'
import type { Socket } from 'node:net'
import { PassThrough, Writable } from 'node:stream'

/** The engine's socket, or undefined when the CLI must be used (a remote engine, a test's fake CLI). */
export function engineSocket(): string | undefined {
  if (process.env.TSIMG_DOCKER_BIN) return undefined
  const host = process.env.DOCKER_HOST
  if (!host) return '/var/run/docker.sock'
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined
}

function call(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const req = request({ socketPath, method, path, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {} }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = text ? JSON.parse(text) : undefined
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, json, text })
      })
    })
    req.on('error', reject)
    req.end(data)
  })
}

/**
 * One exec, shaped as the part of a ChildProcess the communicator uses: stdin, stdout,
 * stderr, `close` with the exit code, `error`, kill() (drops the connection, as killing the
 * CLI would: the command in the container goes on until signalled there).
 */
export class EngineExec extends EventEmitter {
  readonly stdout = new PassThrough()
  readonly stderr = new PassThrough()
  readonly stdin: Writable
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  #socket: Socket | undefined
  #pending: Buffer[] = []
  #ended = false
  #killed = false

  constructor(socketPath: string, containerId: string, user: string | undefined, cmd: readonly string[]) {
    super()
    const self = this
    this.stdin = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (self.#socket) self.#socket.write(chunk, () => done())
        else {
          self.#pending.push(chunk)
          done()
        }
      },
      final(done) {
        self.#ended = true
        self.#socket?.end()
        done()
      },
    })
    void this.#run(socketPath, containerId, user, cmd).catch((err: unknown) => this.#fail(err))
  }

  async #run(socketPath: string, id: string, user: string | undefined, cmd: readonly string[]): Promise<void> {
    const created = await call(socketPath, 'POST', `/containers/${encodeURIComponent(id)}/exec`, {
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Cmd: cmd,
      ...(user ? { User: user } : {}),
    })
    if (created.status !== 201) {
      // As the CLI would have said it (the communicator reads docker's complaint from stderr).
      const message = (created.json as { message?: string } | undefined)?.message ?? created.text
      this.stderr.end(`Error response from daemon: ${message}\n`)
      this.stdout.end()
      return this.#close(created.status === 404 || created.status === 409 ? 1 : 126)
    }
    const execId = (created.json as { Id: string }).Id
    const socket = await new Promise<Socket>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify({ Detach: false, Tty: false }))
      const req = request({
        socketPath,
        method: 'POST',
        path: `/exec/${execId}/start`,
        headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, Connection: 'Upgrade', Upgrade: 'tcp' },
      })
      req.on('upgrade', (_res, s: Socket, head: Buffer) => {
        if (head.length) s.unshift(head)
        resolve(s)
      })
      req.on('response', (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString('utf8')))
        res.on('end', () => reject(new Error(`exec start answered ${res.statusCode}: ${text.trim()}`)))
      })
      req.on('error', reject)
      req.end(body)
    })
    if (this.#killed) return void socket.destroy()
    this.#socket = socket
    socket.on('error', () => undefined)
    for (const b of this.#pending.splice(0)) socket.write(b)
    if (this.#ended) socket.end()
    // Frames: 1 byte stream (1 stdout, 2 stderr), 3 zero bytes, 4 bytes big-endian length.
    let buf: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      while (buf.length >= 8) {
        const size = buf.readUInt32BE(4)
        if (buf.length < 8 + size) break
        const payload = buf.subarray(8, 8 + size)
        if (buf[0] === 2) this.stderr.write(payload)
        else this.stdout.write(payload)
        buf = buf.subarray(8 + size)
      }
    })
    await new Promise<void>((resolve) => socket.once('close', () => resolve()))
    this.stdout.end()
    this.stderr.end()
    if (this.#killed) return this.#close(null)
    const inspected = await call(socketPath, 'GET', `/exec/${execId}/json`)
    const info = inspected.json as { ExitCode?: number | null; Running?: boolean } | undefined
    this.#close(info?.Running ? null : (info?.ExitCode ?? null))
  }

  #close(code: number | null): void {
    this.exitCode = code
    if (code === null) this.signalCode = 'SIGTERM'
    this.emit('close', code)
  }

  #fail(err: unknown): void {
    if (!this.stdout.writableEnded) this.stdout.end()
    if (!this.stderr.writableEnded) this.stderr.end()
    this.emit('error', err)
  }

  kill(): boolean {
    this.#killed = true
    this.#socket?.destroy()
    return true
  }
}

/**
 * `docker cp -a - id:dir` through the API: extracts the tar read from `tar` into dir, keeping
 * the entries' owners. Resolves with docker's complaint, or undefined when it was extracted.
 */
export function engineCopyIn(
  socketPath: string,
  containerId: string,
  dir: string,
  tar: { pipe(dest: NodeJS.WritableStream): unknown },
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const path = `/containers/${encodeURIComponent(containerId)}/archive?path=${encodeURIComponent(dir)}&copyUIDGID=1`
    const req = request({ socketPath, method: 'PUT', path, headers: { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' } }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString('utf8')))
      res.on('end', () => {
        if (res.statusCode === 200) return resolve(undefined)
        let message = text.trim()
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message
        } catch {
          // not JSON: the text as it came
        }
        resolve(message || `status ${res.statusCode}`)
      })
    })
    req.on('error', reject)
    tar.pipe(req)
  })
}
