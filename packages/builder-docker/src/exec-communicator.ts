/**
 * Packer's "docker" communicator: commands run with `docker exec`, files travel as tar streams
 * through `docker cp`, so the container needs no sshd, no SFTP server and no tar; only
 * /bin/sh for commands. Nothing secret is ever put on a command line: the command itself
 * (with the shell provisioner's environment variables in it) reaches the container's shell
 * on its stdin, so neither `ps` on this host nor `docker inspect` of the exec shows it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { accessSync, constants, createReadStream, createWriteStream } from 'node:fs'
import { lstat, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises'
import { dirname, join, posix, relative, resolve, sep } from 'node:path'
import { PassThrough, Transform, type Readable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import tar from 'tar-stream'
import {
  CancelledError,
  DisconnectedError,
  LineSplitter,
  TsimgError,
  errorMessage,
  type Communicator,
  type ExecOptions,
  type ExecResult,
  type RemoteProcess,
  type SpawnOptions,
  type TransferOptions,
} from '@tsimg/core/plugin'
import { docker, dockerBin, shq } from './docker-cli.js'
import { EngineExec, engineCopyIn, engineSocket } from './engine-exec.js'
import { shortId } from './state.js'

/**
 * What runs in the container for every command: reads the command, escaped onto one line,
 * from stdin (`read` takes no byte past the newline, so the rest of stdin stays the
 * command's), prints its pid (the command's process group, for signals), then runs it.
 */
const EXEC_WRAPPER = `IFS= read -r c || exit 126; echo "$$"; eval "$(printf '%b' "$c")"`

/** One line that `printf '%b'` turns back into the command: backslashes and line ends escaped. */
function encodeCommand(command: string): string {
  return command.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

/** The container to talk to and as whom (Packer's `exec_user`, `fix_upload_owner`). */
export interface DockerExecTarget {
  readonly containerId: string
  /** Packer `exec_user`: `user`, `user:group`, `uid` or `uid:gid`; undefined: the image's USER. */
  readonly execUser?: string | undefined
  /** The image's USER (`Config.User`), which commands run as without execUser; '' is root. */
  readonly imageUser?: string | undefined
  /** Packer `fix_upload_owner`: uploaded files belong to the user commands run as; else to root. */
  readonly fixUploadOwner: boolean
}

interface Owner {
  readonly uid: number
  readonly gid: number
}

const ROOT: Owner = { uid: 0, gid: 0 }
/** After TERM, how long a command's processes get before KILL (a cancelled build must end). */
const KILL_GRACE_MS = 3000

export class DockerExecCommunicator implements Communicator {
  readonly target: string
  #closed = false
  #owner: Promise<Owner> | undefined
  /** The engine's unix socket when commands go through its API rather than the docker CLI. */
  readonly #engine = usable(engineSocket())

  constructor(readonly docker: DockerExecTarget) {
    this.target = `container ${shortId(docker.containerId)}${docker.execUser ? ` (as ${docker.execUser})` : ''}`
  }

  get connected(): boolean {
    return !this.#closed
  }

  /** The user commands run as: execUser, else the image's. */
  get user(): string {
    return this.docker.execUser || this.docker.imageUser || 'root'
  }

  spawn(command: string, options: SpawnOptions = {}): RemoteProcess {
    return this.#start(command, options)
  }

  #start(command: string, options: SpawnOptions, as: string | undefined = this.docker.execUser): RemoteProcess {
    const id = this.docker.containerId
    const signal = options.signal
    if (this.#closed) throw new DisconnectedError(`the connection to ${this.target} is closed`)
    if (signal?.aborted) throw new CancelledError('Command cancelled')
    const env = Object.entries(options.env ?? {})
      .map(([k, v]) => `export ${k}=${shq(v)}; `)
      .join('')
    const child: ExecChild = this.#engine
      ? new EngineExec(this.#engine, id, as, ['/bin/sh', '-c', EXEC_WRAPPER])
      : spawn(dockerBin(), ['exec', '-i', ...(as ? ['-u', as] : []), id, '/bin/sh', '-c', EXEC_WRAPPER], { stdio: 'pipe' })
    child.stdin.on('error', () => undefined) // EPIPE once the command is gone; `done` tells why
    child.stdin.write(`${encodeCommand(env + command)}\n`)
    const stdin = new PassThrough()
    stdin.pipe(child.stdin)

    let pid: number | undefined
    let notStarted = false
    let aborted = false
    const early: Buffer[] = [] // stderr before the wrapper runs: docker's own complaint
    const stderr = new PassThrough()
    const stdout = new PassThrough()
    let head = ''
    const firstLine = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (pid !== undefined) return done(null, chunk)
        if (notStarted) return (early.push(chunk), done())
        head += chunk.toString('latin1')
        const nl = head.indexOf('\n')
        if (nl === -1) return done()
        const first = head.slice(0, nl)
        if (!/^\d+$/.test(first)) {
          // Docker itself answered (some versions print exec errors on stdout): nothing ran.
          notStarted = true
          early.push(Buffer.from(head, 'latin1'))
          head = ''
          return done()
        }
        pid = Number(first)
        const rest = Buffer.from(head.slice(nl + 1), 'latin1')
        head = ''
        for (const b of early.splice(0)) stderr.write(b)
        if (aborted) kill('TERM')
        done(null, rest.length ? rest : undefined)
      },
    })
    child.stdout.pipe(firstLine).pipe(stdout)
    child.stderr.on('data', (b: Buffer) => (pid === undefined ? early.push(b) : stderr.write(b)))
    child.stderr.on('end', () => {
      if (pid !== undefined) stderr.end()
    })

    const kill = (name = 'TERM'): void => {
      if (pid === undefined) return void child.kill('SIGTERM')
      const sig = name.replace(/^SIG/, '')
      void this.#signal(pid, sig).catch(() => undefined)
    }
    const onAbort = (): void => {
      aborted = true
      kill('TERM')
      setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return
        kill('KILL')
        child.kill('SIGKILL')
      }, KILL_GRACE_MS).unref()
    }
    signal?.addEventListener('abort', onAbort, { once: true })

    const done = new Promise<ExecResult>((resolveDone, reject) => {
      child.on('error', (err: NodeJS.ErrnoException) => {
        signal?.removeEventListener('abort', onAbort)
        reject(
          err.code === 'ENOENT'
            ? new TsimgError('DOCKER_MISSING', `the docker CLI (${dockerBin()}) was not found`, {
                cause: err,
                hint: 'Install Docker and make sure `docker` is on PATH.',
              })
            : err,
        )
      })
      child.on('close', (code: number | null) => {
        signal?.removeEventListener('abort', onAbort)
        const outputs = Promise.all([finished(stdout, { readable: false }), pid === undefined ? undefined : finished(stderr, { readable: false })]).catch(
          () => undefined,
        )
        void (async () => {
          // stdout ends through its pipe; stderr is held back until the wrapper's pid arrived.
          if (!stderr.writableEnded) stderr.end()
          await outputs
          if (aborted) throw new CancelledError('Command cancelled')
          if (code === 0 && pid !== undefined) return { exitCode: 0 }
          if (!(await this.#alive())) {
            this.#closed = true
            throw new DisconnectedError(`${this.target} stopped while running a command`)
          }
          if (pid === undefined) {
            const why = Buffer.concat(early)
              .toString('utf8')
              .trim()
              .replace(/^Error response from daemon: /, '')
            throw new TsimgError('DOCKER_EXEC_FAILED', `docker exec in ${this.target} could not run the command: ${why || `exit code ${code}`}`, {
              hint: this.docker.execUser
                ? `exec_user ${this.docker.execUser} must exist in the image, and the image must have /bin/sh.`
                : 'The image must have /bin/sh.',
            })
          }
          return { exitCode: code }
        })().then(resolveDone, reject)
      })
    })
    done.catch(() => undefined)
    return { stdin, stdout, stderr, done, kill }
  }

  /** Sends a signal to the process group of the wrapper with this pid (as root: exec_user may not own it). */
  async #signal(pid: number, sig: string): Promise<void> {
    if (!/^[A-Z0-9]+$/.test(sig)) return
    await docker(
      ['exec', '-u', '0', this.docker.containerId, '/bin/sh', '-c', 'kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2"', 'sh', sig, String(pid)],
      {
        allowExitCodes: [1],
      },
    )
  }

  /**
   * Whether the container still runs commands. A `docker kill` ends the command (exit 137)
   * before the daemon marks the container stopped, so `inspect` alone can still say "running";
   * a new exec into a container whose init is gone fails at once, so that answers for sure.
   */
  async #alive(): Promise<boolean> {
    if (!(await this.#running())) return false
    try {
      const r = await docker(['exec', '-u', '0', this.docker.containerId, '/bin/sh', '-c', ':'], { allowExitCodes: [1, 126, 127, 137] })
      return r.exitCode === 0
    } catch {
      return false
    }
  }

  async #running(): Promise<boolean> {
    try {
      const r = await docker(['inspect', '-f', '{{.State.Running}}', this.docker.containerId], { allowExitCodes: [1] })
      return r.exitCode === 0 && r.stdout.trim() === 'true'
    } catch {
      return false
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const p = this.#start(command, options.signal ? { signal: options.signal } : {})
    p.stdin.end()
    const out = new LineSplitter((l) => options.onStdout?.(l))
    const err = new LineSplitter((l) => options.onStderr?.(l))
    p.stdout.on('data', (b: Buffer) => out.push(b))
    p.stderr.on('data', (b: Buffer) => err.push(b))
    const ended = Promise.all([finished(p.stdout), finished(p.stderr)]).catch(() => undefined)
    try {
      return await p.done
    } finally {
      await ended
      out.end()
      err.end()
    }
  }

  /** Runs a command and fails, naming `what`, unless it exits 0. */
  async #must(what: string, command: string, signal?: AbortSignal): Promise<string> {
    let text = ''
    const r = await this.exec(command, { ...(signal ? { signal } : {}), onStdout: (l) => (text += `${l}\n`), onStderr: (l) => (text += `${l}\n`) })
    if (r.exitCode !== 0) throw new TsimgError('DOCKER_EXEC_FAILED', `${what} in ${this.target} failed (exit status ${r.exitCode}): ${text.trim()}`)
    return text
  }

  /** uid/gid that uploads get: the user commands run as (fix_upload_owner), else root. */
  #uploadOwner(): Promise<Owner> {
    if (!this.docker.fixUploadOwner) return Promise.resolve(ROOT)
    const user = this.docker.execUser || this.docker.imageUser || ''
    if (['', 'root', '0', '0:0', 'root:root'].includes(user)) return Promise.resolve(ROOT)
    const numeric = /^(\d+):(\d+)$/.exec(user)
    if (numeric) return Promise.resolve({ uid: Number(numeric[1]), gid: Number(numeric[2]) })
    this.#owner ??= this.#must(`finding the uid and gid of ${user}`, 'id -u; id -g').then((out) => {
      const [uid, gid] = out.trim().split('\n').map(Number)
      if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new TsimgError('DOCKER_EXEC_FAILED', `id printed no uid and gid for ${user}: ${out.trim()}`)
      return { uid: uid!, gid: gid! }
    })
    this.#owner.catch(() => (this.#owner = undefined))
    return this.#owner
  }

  /** `docker cp -a - id:dir`: extracts the tar that `fill` writes into dir (which must exist). */
  async #copyIn(what: string, dir: string, fill: (pack: tar.Pack, owner: Owner) => Promise<void>, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new CancelledError('Transfer cancelled')
    const owner = await this.#uploadOwner()
    if (this.#engine) {
      const pack = tar.pack()
      const answer = engineCopyIn(this.#engine, this.docker.containerId, dir, pack)
      answer.catch(() => undefined)
      try {
        await fill(pack, owner)
        pack.finalize()
      } catch (err) {
        pack.destroy()
        if (signal?.aborted) throw new CancelledError('Transfer cancelled')
        throw err
      }
      const why = await answer
      if (signal?.aborted) throw new CancelledError('Transfer cancelled')
      if (why !== undefined) throw new TsimgError('DOCKER_CP_FAILED', `${what} failed: ${why}`)
      return
    }
    const child = spawn(dockerBin(), ['cp', '-a', '-', `${this.docker.containerId}:${dir}`], { stdio: 'pipe', ...(signal ? { signal } : {}) })
    const pack = tar.pack()
    const exited = exitOf(child)
    child.stdin.on('error', () => undefined)
    pack.pipe(child.stdin)
    try {
      await fill(pack, owner)
      pack.finalize()
      await checkExit(what, await exited, signal)
    } catch (err) {
      pack.destroy()
      child.kill()
      if (signal?.aborted) throw new CancelledError('Transfer cancelled')
      throw err
    }
  }

  async uploadFile(localPath: string, remotePath: string, options: TransferOptions = {}): Promise<void> {
    const st = await stat(localPath)
    const mode = options.mode ?? st.mode & 0o7777
    await this.#copyIn(
      `upload of ${localPath} to ${remotePath}`,
      posix.dirname(remotePath),
      async (pack, owner) => {
        const entry = pack.entry({ name: posix.basename(remotePath), size: st.size, mode, mtime: st.mtime, ...owner })
        await pipeline(createReadStream(localPath), entry)
      },
      options.signal,
    )
  }

  async uploadContent(content: string | Uint8Array, remotePath: string, options: TransferOptions = {}): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content.buffer, content.byteOffset, content.byteLength)
    await this.#copyIn(
      `upload to ${remotePath}`,
      posix.dirname(remotePath),
      async (pack, owner) => {
        await new Promise<void>((res, rej) =>
          pack.entry({ name: posix.basename(remotePath), mode: options.mode ?? 0o644, mtime: new Date(), ...owner }, data, (e) => (e ? rej(e) : res())),
        )
      },
      options.signal,
    )
  }

  async uploadDir(localDir: string, remoteDir: string, options: TransferOptions = {}): Promise<void> {
    // Made as the exec user, as a new directory over SFTP would be the SSH user's.
    await this.#must(`creating ${remoteDir}`, `mkdir -p -- ${shq(remoteDir)}`, options.signal)
    await this.#copyIn(
      `upload of ${localDir} to ${remoteDir}`,
      remoteDir,
      async (pack, owner) => {
        for await (const rel of walk(localDir)) {
          if (options.signal?.aborted) throw new CancelledError('Transfer cancelled')
          const path = join(localDir, rel)
          const name = rel.split(sep).join('/')
          const st = await lstat(path)
          const base = { name, mtime: st.mtime, ...owner }
          if (st.isDirectory()) await addEntry(pack, { ...base, type: 'directory', mode: st.mode & 0o7777 })
          else if (st.isSymbolicLink()) await addEntry(pack, { ...base, type: 'symlink', linkname: await readlink(path), mode: 0o777 })
          else if (st.isFile()) await pipeline(createReadStream(path), pack.entry({ ...base, size: st.size, mode: options.mode ?? st.mode & 0o7777 }))
        }
      },
      options.signal,
    )
  }

  /** `docker cp id:path -`: the tar of a remote path, entry by entry. */
  async #copyOut(
    what: string,
    remote: string,
    each: (header: tar.Header, body: Readable) => Promise<void>,
    opts: { follow?: boolean; signal?: AbortSignal | undefined },
  ): Promise<void> {
    if (opts.signal?.aborted) throw new CancelledError('Transfer cancelled')
    const child = spawn(dockerBin(), ['cp', ...(opts.follow ? ['-L'] : []), `${this.docker.containerId}:${remote}`, '-'], {
      stdio: 'pipe',
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    const exited = exitOf(child)
    const extract = tar.extract()
    child.stdout.pipe(extract)
    try {
      for await (const entry of extract) {
        await each(entry.header, entry as unknown as Readable)
        entry.resume()
      }
      await checkExit(what, await exited, opts.signal)
    } catch (err) {
      child.kill()
      const r = await exited
      if (opts.signal?.aborted) throw new CancelledError('Transfer cancelled')
      // A broken tar stream is docker's failure; its stderr says why.
      if (r.code !== 0 && r.stderr) await checkExit(what, r, opts.signal)
      throw err
    }
  }

  async downloadFile(remotePath: string, localPath: string, options: TransferOptions = {}): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true })
    let got = false
    await this.#copyOut(
      `download of ${remotePath} to ${localPath}`,
      remotePath,
      async (h, body) => {
        if (got) return
        if (h.type !== 'file')
          throw new TsimgError('DOCKER_CP_FAILED', `download of ${remotePath}: it is a ${h.type === 'directory' ? 'directory' : h.type}, not a file`)
        got = true
        await pipeline(body, createWriteStream(localPath, { mode: (h.mode ?? 0o644) & 0o777 }))
      },
      { follow: true, signal: options.signal },
    )
    if (!got) throw new TsimgError('DOCKER_CP_FAILED', `download of ${remotePath}: docker cp sent no file`)
  }

  async downloadDir(remoteDir: string, localDir: string, options: TransferOptions = {}): Promise<void> {
    const root = resolve(localDir)
    await mkdir(root, { recursive: true })
    // `dir/.` gives the contents as `./...`, and follows a symlinked directory.
    await this.#copyOut(
      `download of ${remoteDir} to ${localDir}`,
      `${remoteDir.replace(/\/+$/, '')}/.`,
      async (h, body) => {
        const rel = h.name.replace(/^\.\/?/, '').replace(/\/+$/, '')
        if (!rel) return
        const path = resolve(root, rel)
        if (path !== root && !path.startsWith(root + sep))
          throw new TsimgError('DOCKER_CP_FAILED', `download of ${remoteDir}: entry ${h.name} points outside ${localDir}`)
        const mode = (h.mode ?? 0o644) & 0o7777
        if (h.type === 'directory') await mkdir(path, { recursive: true, mode })
        else if (h.type === 'symlink' && h.linkname)
          await symlink(h.linkname, path).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)))
        else if (h.type === 'file') {
          await mkdir(dirname(path), { recursive: true })
          await pipeline(body, createWriteStream(path, { mode }))
        }
      },
      { signal: options.signal },
    )
  }

  async isDir(remotePath: string): Promise<boolean> {
    return (await this.exec(`test -d ${shq(remotePath)}`)).exitCode === 0
  }

  /** The container has no connection to lose: this only checks it still runs. */
  async reconnect(): Promise<void> {
    if (!(await this.#alive())) throw new DisconnectedError(`${this.target} is not running`)
    this.#closed = false
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}

/** What #start uses of `docker exec`: the CLI's process, or the same over the engine's API. */
interface ExecChild {
  readonly stdin: NodeJS.WritableStream & { on(event: 'error', fn: (err: Error) => void): unknown }
  readonly stdout: NodeJS.ReadableStream
  readonly stderr: NodeJS.ReadableStream
  readonly exitCode: number | null
  readonly signalCode: NodeJS.Signals | null
  on(event: 'close', fn: (code: number | null) => void): unknown
  on(event: 'error', fn: (err: NodeJS.ErrnoException) => void): unknown
  kill(signal?: NodeJS.Signals): boolean
}

/** The socket, if this process may talk to it (else the docker CLI, which may be set up otherwise). */
function usable(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    accessSync(path, constants.R_OK | constants.W_OK)
    return path
  } catch {
    return undefined
  }
}

interface Exit {
  readonly code: number | null
  readonly stderr: string
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<Exit> {
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')))
  return new Promise((res) => {
    child.on('error', (err) => res({ code: null, stderr: stderr || errorMessage(err) }))
    child.on('close', (code) => res({ code, stderr }))
  })
}

async function checkExit(what: string, r: Exit, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new CancelledError('Transfer cancelled')
  if (r.code === 0) return
  const why = r.stderr.trim().replace(/^Error response from daemon: /, '') || `exit code ${r.code}`
  throw new TsimgError('DOCKER_CP_FAILED', `${what} failed: ${why}`)
}

function addEntry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((res, rej) => pack.entry(header, (e) => (e ? rej(e) : res())))
}

/** Relative paths under dir, each directory before what it holds. */
async function* walk(dir: string, base = dir): AsyncGenerator<string> {
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, d.name)
    yield relative(base, path)
    if (d.isDirectory()) yield* walk(path, base)
  }
}
