import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2'
import type { Communicator, ExecOptions, ExecResult, TransferOptions } from '../communicator/types.js'
import { CancelledError, DisconnectedError, TsimgError, errorMessage } from '../errors.js'
import { openSsh, type OpenedSsh, type OpenSshOptions } from './connect.js'
import { LineSplitter } from './lines.js'
import * as sftpOps from './sftp.js'
import { describeTarget, type SshTarget } from './target.js'

/** One live SSH connection and what hangs on it. */
interface Live extends OpenedSsh {
  closed: boolean
  /** Why it closed, for DisconnectedError messages. */
  reason?: string
  onClose: Set<(reason: string) => void>
  sftp?: Promise<SFTPWrapper>
  /** Called on every packet the SFTP server sends (for sshReadWriteTimeout). */
  sftpActivity: Set<() => void>
  /** Whether SFTP packets can be seen at all (see watchIncoming). */
  sftpWatched?: boolean
}

/**
 * The SSH communicator: commands over exec channels, files over SFTP, on one connection
 * that `reconnect()` replaces after an expected disconnect. A dropped connection surfaces
 * as DisconnectedError, never as an exit code.
 */
export class SshCommunicator implements Communicator {
  readonly target: string
  #live: Live | undefined

  private constructor(readonly sshTarget: SshTarget) {
    this.target = describeTarget(sshTarget)
  }

  /** Connects, waiting up to target.timeoutMs for SSH to become available. */
  static async connect(target: SshTarget, opts: OpenSshOptions = {}): Promise<SshCommunicator> {
    const c = new SshCommunicator(target)
    c.#attach(await openSsh(target, opts))
    return c
  }

  get connected(): boolean {
    return !!this.#live && !this.#live.closed
  }

  /** The underlying ssh2 client (for advanced uses such as port forwarding). */
  get client(): Client {
    return this.#conn().client
  }

  #attach(opened: OpenedSsh): void {
    const live: Live = { ...opened, closed: false, onClose: new Set(), sftpActivity: new Set() }
    const lost = (reason: string): void => {
      if (live.closed) return
      live.closed = true
      live.reason = reason
      for (const fn of live.onClose) fn(reason)
      live.onClose.clear()
      live.bastion?.end()
    }
    opened.client.on('error', (err: Error) => lost(err.message))
    opened.client.on('end', () => lost('the server closed the connection'))
    opened.client.on('close', () => lost('the connection was closed'))
    opened.bastion?.on('close', () => {
      lost('the bastion connection was closed')
      opened.client.end()
    })
    this.#live = live
  }

  #conn(): Live {
    const live = this.#live
    if (!live) throw new DisconnectedError(`Not connected to ${this.target}`)
    if (live.closed) throw new DisconnectedError(`SSH connection to ${this.target} is closed: ${live.reason ?? 'closed'}`)
    return live
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.execChannel(command, options)
  }

  /**
   * exec with an optional stdin stream (used for tar transfers). Resolves with the exit
   * status; rejects with DisconnectedError if the connection drops before the command ends.
   */
  async execChannel(command: string, options: ExecOptions & { stdin?: NodeJS.ReadableStream }): Promise<ExecResult> {
    const live = this.#conn()
    if (options.signal?.aborted) throw new CancelledError('Command cancelled')
    const rwTimeout = this.sshTarget.readWriteTimeoutMs
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined
      let exit: { code: number | null; signal?: string } | undefined
      let settled = false
      let idle: NodeJS.Timeout | undefined
      const out = new LineSplitter((l) => options.onStdout?.(l))
      const err = new LineSplitter((l) => options.onStderr?.(l))
      const finish = (fn: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(idle)
        live.onClose.delete(onLost)
        options.signal?.removeEventListener('abort', onAbort)
        fn()
      }
      const onLost = (reason: string): void =>
        finish(() => reject(new DisconnectedError(`SSH connection to ${this.target} was lost while running a command: ${reason}`)))
      const onAbort = (): void => {
        // Closing the channel alone leaves a PTY-less command running; the signal request makes
        // sshd killpg() the command's process group first.
        if (channel) signalChannel(channel, 'TERM')
        channel?.close()
        finish(() => reject(new CancelledError('Command cancelled')))
      }
      const touch = (): void => {
        if (!rwTimeout) return
        clearTimeout(idle)
        idle = setTimeout(() => {
          channel?.close()
          finish(() => reject(new DisconnectedError(`No data from ${this.target} for ${rwTimeout} ms (sshReadWriteTimeout)`)))
        }, rwTimeout)
      }
      live.onClose.add(onLost)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      touch()
      const pty = options.pty ?? this.sshTarget.pty ?? false
      live.client.exec(command, { pty }, (e, ch) => {
        if (e) {
          if (live.closed) return onLost(live.reason ?? e.message)
          return finish(() => reject(new TsimgError('SSH_EXEC', `Cannot start a command on ${this.target}: ${e.message}`, { cause: e })))
        }
        channel = ch
        if (settled) return void ch.close()
        ch.on('data', (d: Buffer) => (touch(), out.push(d)))
        ch.stderr.on('data', (d: Buffer) => (touch(), err.push(d)))
        ch.on('exit', (code: number | null, signal?: string) => {
          // ssh2 reports `SIGKILL`; the contract (and Packer) say `KILL`.
          exit = signal ? { code: code ?? null, signal: signal.replace(/^SIG/, '') } : { code }
        })
        ch.on('close', () => {
          out.end()
          err.end()
          if (exit) {
            const r: ExecResult = exit.signal ? { exitCode: exit.code, exitSignal: exit.signal } : { exitCode: exit.code }
            return finish(() => resolve(r))
          }
          // No exit status: the session died with the connection (reboot, sshd restart). The
          // connection's own close event may come a moment later.
          setTimeout(() => onLost(live.reason ?? 'the command ended without an exit status'), 50)
        })
        if (options.stdin) {
          options.stdin.on('error', (se) => {
            ch.close()
            finish(() => reject(se))
          })
          options.stdin.pipe(ch)
        } else ch.end()
      })
    })
  }

  #sftp(): Promise<SFTPWrapper> {
    const live = this.#conn()
    live.sftp ??= new Promise<SFTPWrapper>((resolve, reject) =>
      live.client.sftp((e, s) => {
        if (e) {
          live.sftp = undefined
          reject(
            live.closed
              ? new DisconnectedError(`SSH connection to ${this.target} is closed`)
              : new TsimgError('SSH_SFTP', `Cannot start SFTP on ${this.target}: ${e.message}`, { cause: e }),
          )
        } else {
          s.on('close', () => (live.sftp = undefined))
          live.sftpWatched = watchIncoming(s, () => {
            for (const fn of live.sftpActivity) fn()
          })
          resolve(s)
        }
      }),
    )
    return live.sftp
  }

  /** Runs an SFTP operation; a dropped connection becomes DisconnectedError, other errors name the path. */
  async #transfer<T>(what: string, fn: (sftp: SFTPWrapper) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new CancelledError('Transfer cancelled')
    const live = this.#conn()
    const rwTimeout = this.sshTarget.readWriteTimeoutMs
    let onAbort: (() => void) | undefined
    let onLost: ((r: string) => void) | undefined
    let touch: (() => void) | undefined
    let idle: NodeJS.Timeout | undefined
    const interrupted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void live.sftp?.then(
          (s) => s.end(),
          () => {},
        )
        reject(new CancelledError('Transfer cancelled'))
      }
      onLost = (r) => reject(new DisconnectedError(`SSH connection to ${this.target} was lost during ${what}: ${r}`))
      signal?.addEventListener('abort', onAbort, { once: true })
      live.onClose.add(onLost)
      if (rwTimeout) {
        // Same rule as for commands: the server must answer something every rwTimeout ms.
        touch = () => {
          clearTimeout(idle)
          idle = setTimeout(() => {
            void live.sftp?.then(
              (s) => s.end(),
              () => {},
            )
            live.sftp = undefined
            reject(new DisconnectedError(`No data from ${this.target} for ${rwTimeout} ms during ${what} (sshReadWriteTimeout)`))
          }, rwTimeout)
        }
        live.sftpActivity.add(touch)
        touch()
      }
    })
    interrupted.catch(() => {})
    try {
      // Starting the SFTP session counts too: a server that never answers it is as stuck.
      const run = this.#sftp().then((sftp) => {
        // Unseen activity must not fail a long healthy transfer.
        if (!live.sftpWatched) clearTimeout(idle)
        return fn(sftp)
      })
      return await Promise.race([run, interrupted])
    } catch (err) {
      if (err instanceof TsimgError) throw err
      if (live.closed) throw new DisconnectedError(`SSH connection to ${this.target} was lost during ${what}: ${live.reason}`)
      throw new TsimgError('SSH_TRANSFER', `${what} failed: ${errorMessage(err)}`, { cause: err })
    } finally {
      clearTimeout(idle)
      if (touch) live.sftpActivity.delete(touch)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
      if (onLost) live.onClose.delete(onLost)
    }
  }

  async uploadFile(localPath: string, remotePath: string, options: TransferOptions = {}): Promise<void> {
    const mode = options.mode ?? (await stat(localPath)).mode & 0o7777
    await this.#transfer(
      `upload of ${localPath} to ${remotePath}`,
      async (sftp) => {
        await sftpOps.fastPut(sftp, localPath, remotePath, mode)
        // The server's umask narrows the mode given at open; set it exactly.
        await sftpOps.chmod(sftp, remotePath, mode)
      },
      options.signal,
    )
  }

  async uploadContent(content: string | Uint8Array, remotePath: string, options: TransferOptions = {}): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content) : content
    const mode = options.mode ?? 0o644
    await this.#transfer(
      `upload to ${remotePath}`,
      async (sftp) => {
        await sftpOps.writeRemote(sftp, remotePath, data, mode)
        if (options.mode !== undefined) await sftpOps.chmod(sftp, remotePath, mode)
      },
      options.signal,
    )
  }

  async uploadDir(localDir: string, remoteDir: string, options: TransferOptions = {}): Promise<void> {
    await this.#transfer(
      `upload of ${localDir} to ${remoteDir}`,
      (sftp) => sftpOps.uploadTreeSftp(sftp, localDir, remoteDir, options.mode, options.signal),
      options.signal,
    )
  }

  async downloadFile(remotePath: string, localPath: string, options: TransferOptions = {}): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true })
    await this.#transfer(`download of ${remotePath} to ${localPath}`, (sftp) => sftpOps.fastGet(sftp, remotePath, localPath), options.signal)
  }

  async downloadDir(remoteDir: string, localDir: string, options: TransferOptions = {}): Promise<void> {
    await this.#transfer(
      `download of ${remoteDir} to ${localDir}`,
      (sftp) => sftpOps.downloadTreeSftp(sftp, remoteDir, localDir, options.signal),
      options.signal,
    )
  }

  async isDir(remotePath: string): Promise<boolean> {
    return this.#transfer(`stat of ${remotePath}`, async (sftp) => (await sftpOps.statRemote(sftp, remotePath))?.isDirectory() ?? false)
  }

  async reconnect(options: { timeoutMs?: number; signal?: AbortSignal; onRetry?: (message: string) => void } = {}): Promise<void> {
    await this.close()
    const opts: OpenSshOptions = { timeoutMs: options.timeoutMs ?? this.sshTarget.timeoutMs }
    if (options.signal) opts.signal = options.signal
    if (options.onRetry) opts.onRetry = options.onRetry
    this.#attach(await openSsh(this.sshTarget, opts))
  }

  async close(): Promise<void> {
    const live = this.#live
    if (!live || live.closed) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000)
      live.client.once('close', () => (clearTimeout(t), resolve()))
      live.client.end()
    })
    live.bastion?.end()
  }
}

/**
 * Calls `fn` for every packet the server sends on an SFTP session. ssh2 feeds them to the
 * session's `push()` (ssh2 1.x), and there is no public event for it. Returns false when that
 * method is missing (then transfers get no read/write timeout rather than a wrong one).
 */
function watchIncoming(sftp: SFTPWrapper, fn: () => void): boolean {
  const s = sftp as unknown as { push?: (data: Buffer) => unknown }
  const push = s.push
  if (typeof push !== 'function') return false
  s.push = function (this: unknown, data: Buffer) {
    fn()
    return push.call(this, data)
  }
  return true
}

/**
 * Sends an SSH `signal` request. ssh2's `channel.signal()` silently does nothing once we have
 * sent EOF (which every command without stdin gets at once), so this goes to the protocol
 * directly while the channel is still open.
 */
export function signalChannel(channel: ClientChannel, name: string): void {
  const ch = channel as unknown as {
    outgoing?: { id: number; state: string }
    _client?: { _protocol?: { signal(id: number, signal: string): void } }
  }
  try {
    const out = ch.outgoing
    // 'eof' still accepts requests: only our side's data stream is finished.
    if (out && (out.state === 'open' || out.state === 'eof') && ch._client?._protocol) ch._client._protocol.signal(out.id, name)
  } catch {
    // the connection may be gone already; closing the channel is all that is left
  }
}
