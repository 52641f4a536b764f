import { connect as netConnect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import ssh2, { type Client, type ConnectConfig } from 'ssh2'
import { CancelledError, TsimgError, errorMessage } from '../errors.js'
import { formatDurationShort } from '../util/duration.js'
import { hostKeyCheck } from './host-keys.js'
import { describeTarget, type SshLogin, type SshTarget } from './target.js'

/**
 * Opening an SSH connection, with Packer's waiting rules: keep trying until the timeout while
 * the machine boots (refused, reset, closed before the banner, timed out), count handshakes
 * that reach the server (failed logins included) against handshakeAttempts, and give up at
 * once when waiting cannot help (no host, unresolvable or unreachable address, wrong host key).
 */

/** AES-GCM runs in OpenSSL (AES-NI) and needs no separate MAC: the fastest choice for bulk transfers. */
const CIPHER_PREFERENCE = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const

const FIRST_DELAY_MS = 100
const MAX_DELAY_MS = 500
/** A SYN that gets no answer is retried fresh this often, so a host that comes up is reached quickly. */
const TCP_CONNECT_TIMEOUT_MS = 3_000
const HANDSHAKE_TIMEOUT_MS = 20_000
/** A bastion that does not answer a forward request this long is asked again (like a lost SYN). */
const FORWARD_TIMEOUT_MS = 10_000
const FATAL_SOCKET_CODES = new Set(['ENOTFOUND', 'EAI_FAIL', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EINVAL', 'ERR_INVALID_IP_ADDRESS'])

type AttemptKind = 'fatal' | 'retry' | 'handshake'

/** One failed attempt: whether to give up, wait and retry, or count a handshake. */
class AttemptError extends Error {
  constructor(
    readonly kind: AttemptKind,
    readonly error: Error,
  ) {
    super(error.message)
  }
}

export interface OpenedSsh {
  client: Client
  /** The jump-host connection, closed together with the client. */
  bastion?: Client
}

export interface OpenSshOptions {
  signal?: AbortSignal
  /** Overrides target.timeoutMs (reconnect). */
  timeoutMs?: number
  /** Called after each failed attempt that will be retried (for a debug log). */
  onRetry?: (message: string) => void
}

/** Connects and logs in to target, waiting up to its timeout. */
export async function openSsh(target: SshTarget, opts: OpenSshOptions = {}): Promise<OpenedSsh> {
  const where = describeTarget(target)
  if (!target.host || !target.host.trim()) {
    throw new TsimgError('SSH_NO_HOST', 'Cannot connect over SSH: no host address (the builder found none and sshHost is not set)', {
      hint: 'Set sshHost, or check that the machine got an IP address',
    })
  }
  checkHasAuth(target, 'the machine')
  if (target.bastion) checkHasAuth(target.bastion, 'the bastion host')

  const timeoutMs = opts.timeoutMs ?? target.timeoutMs
  const deadline = Date.now() + timeoutMs
  let delay = FIRST_DELAY_MS
  let handshakeFailures = 0
  let last: Error | undefined
  let bastion: Client | undefined
  let bastionClosed = false
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new CancelledError('Cancelled while waiting for SSH')
      const remaining = Math.max(deadline - Date.now(), 1)
      const handshakeFailuresBefore = handshakeFailures
      try {
        let sock: Duplex
        if (target.bastion) {
          if (!bastion || bastionClosed) {
            bastion = undefined
            const bSock = await tcpConnect(target.bastion.host, target.bastion.port, remaining, opts.signal)
            bastion = await login(target.bastion, bSock, target, remaining, opts.signal, 'bastion host ')
            bastionClosed = false
            bastion.once('close', () => (bastionClosed = true))
          }
          sock = await forwardOut(bastion, target.host, target.port, remaining, opts.signal)
        } else {
          sock = await tcpConnect(target.host, target.port, remaining, opts.signal)
        }
        const client = await login(target, sock, target, remaining, opts.signal, '')
        return bastion ? { client, bastion } : { client }
      } catch (err) {
        if (opts.signal?.aborted) throw new CancelledError('Cancelled while waiting for SSH')
        if (!(err instanceof AttemptError)) throw err
        if (err.kind === 'fatal') throw err.error
        last = err.error
        if (err.kind === 'handshake' && ++handshakeFailures >= target.handshakeAttempts) {
          if (err.error instanceof TsimgError) throw err.error
          throw new TsimgError('SSH_HANDSHAKE_FAILED', `SSH handshake with ${where} failed ${handshakeFailures} time(s): ${err.error.message}`, {
            cause: err.error,
          })
        }
        opts.onRetry?.(err.error.message)
      }
      if (Date.now() + delay >= deadline) {
        throw new TsimgError(
          'SSH_TIMEOUT',
          `Timeout waiting for SSH on ${where} after ${formatDurationShort(timeoutMs)}; last error: ${last ? last.message : 'none'}`,
          { cause: last, hint: 'Check that sshd runs and the port is reachable, or raise sshTimeout' },
        )
      }
      if (last && handshakeFailuresBefore !== handshakeFailures) {
        // The server answered but refused us: often cloud-init has not written the key yet.
        // Give it time (1 s, 2 s, then 3 s) rather than burning the attempts in a few seconds.
        await sleep(Math.min(1000 * handshakeFailures, 3000, Math.max(deadline - Date.now() - 1, 0)), opts.signal)
      } else {
        await sleep(delay, opts.signal)
        delay = Math.min(Math.round(delay * 1.5), MAX_DELAY_MS)
      }
    }
  } catch (err) {
    bastion?.end()
    throw err
  }
}

function checkHasAuth(login: SshLogin, what: string): void {
  if (login.privateKey === undefined && login.password === undefined && !login.agent) {
    throw new TsimgError('SSH_NO_AUTH', `No SSH credentials for ${what} (user ${login.username})`, {
      hint: 'Give sshPrivateKeyFile, sshPassword or sshAgentAuth, or let the builder make a temporary key pair',
    })
  }
}

function tcpConnect(host: string, port: number, remainingMs: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port })
    const timer = setTimeout(
      () => fail(new AttemptError('retry', Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }))),
      Math.min(TCP_CONNECT_TIMEOUT_MS, remainingMs),
    )
    const onAbort = (): void => fail(new CancelledError('Cancelled while waiting for SSH'))
    signal?.addEventListener('abort', onAbort, { once: true })
    function fail(err: Error): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      sock.destroy()
      reject(err)
    }
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const fatal = FATAL_SOCKET_CODES.has(err.code ?? '')
      const e = new Error(
        err.code === 'ENOTFOUND' ? `cannot resolve host name ${JSON.stringify(host)} (ENOTFOUND)` : `connect to ${host}:${port}: ${err.message}`,
      )
      fail(new AttemptError(fatal ? 'fatal' : 'retry', fatal ? new TsimgError('SSH_UNREACHABLE', `Cannot connect over SSH: ${e.message}`, { cause: err }) : e))
    })
    sock.once('connect', () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      sock.removeAllListeners('error')
      // Interactive commands and SFTP request/response both suffer from Nagle's delay.
      sock.setNoDelay(true)
      resolve(sock)
    })
  })
}

function forwardOut(bastion: Client, host: string, port: number, remainingMs: number, signal?: AbortSignal): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let settled = false
    const finish = (err: Error | undefined, channel?: Duplex): void => {
      if (settled) {
        // Answered after we gave up: nobody will use it.
        channel?.destroy()
        return
      }
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (err) reject(err)
      else resolve(channel!)
    }
    const ms = Math.max(Math.min(FORWARD_TIMEOUT_MS, remainingMs), 1)
    const timer = setTimeout(
      () => finish(new AttemptError('retry', new Error(`bastion did not open a connection to ${host}:${port} within ${formatDurationShort(ms)}`))),
      ms,
    )
    const onAbort = (): void => finish(new CancelledError('Cancelled while waiting for SSH'))
    signal?.addEventListener('abort', onAbort, { once: true })
    bastion.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
      // The bastion reports the target refusing (booting) as an open failure: retry.
      if (err) finish(new AttemptError('retry', new Error(`bastion could not connect to ${host}:${port}: ${err.message}`)))
      else finish(undefined, channel)
    })
  })
}

/** SSH handshake and authentication over an open socket. */
function login(who: SshLogin, sock: Duplex, target: SshTarget, remainingMs: number, signal: AbortSignal | undefined, label: string): Promise<Client> {
  const where = `${label}${who.username}@${who.host}:${who.port}`
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    const hostKey = hostKeyCheck(target.hostKeyPolicy, who.host, who.port, target.knownHostsFile)
    const queue: string[] = []
    if (who.privateKey !== undefined) queue.push('publickey')
    if (who.agent) queue.push('agent')
    if (who.password !== undefined) queue.push('password', 'keyboard-interactive')
    const tried: string[] = []
    let serverMethods: string[] | undefined
    let handshaken = false
    let settled = false
    const onAbort = (): void => fail(new CancelledError('Cancelled while waiting for SSH'))
    signal?.addEventListener('abort', onAbort, { once: true })
    function fail(err: Error): void {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      client.end()
      sock.destroy()
      reject(err)
    }
    client.on('handshake', () => (handshaken = true))
    client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => who.password ?? '')))
    client.on('error', (err: Error & { level?: string }) => {
      if (hostKey.reason) {
        fail(new AttemptError('fatal', new TsimgError('SSH_HOST_KEY', `Refusing to connect to ${where}: ${hostKey.reason}`)))
      } else if (err.level === 'client-authentication') {
        const methods = tried.length ? tried.join(', ') : 'none'
        const offered = serverMethods ? `; the server accepts: ${serverMethods.join(', ')}` : ''
        const e = new TsimgError(
          'SSH_AUTH_FAILED',
          `SSH authentication failed for user "${who.username}" on ${label}${who.host}:${who.port} (tried: ${methods}${offered})`,
          { hint: 'Check sshUsername and the key, password or agent given for it' },
        )
        fail(new AttemptError('handshake', e))
      } else {
        fail(new AttemptError(handshaken ? 'handshake' : 'retry', new Error(`${where}: ${err.message}`)))
      }
    })
    client.on('close', () => fail(new AttemptError(handshaken ? 'handshake' : 'retry', new Error(`${where}: connection closed during SSH handshake`))))
    client.on('ready', () => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      client.removeAllListeners('close')
      client.removeAllListeners('error')
      // An error after login is reported by the connection's own handlers; never unhandled.
      client.on('error', () => {})
      resolve(client)
    })
    const config: ConnectConfig = {
      sock: sock as Socket,
      username: who.username,
      readyTimeout: Math.max(Math.min(HANDSHAKE_TIMEOUT_MS, remainingMs), 1000),
      keepaliveInterval: target.keepAliveIntervalMs,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => hostKey.accept(key),
      tryKeyboard: who.password !== undefined,
      algorithms: { cipher: [...CIPHER_PREFERENCE] as ssh2.CipherAlgorithm[], compress: ['none'] },
      authHandler: (methodsLeft, _partial, next) => {
        if (methodsLeft) serverMethods = methodsLeft
        for (;;) {
          const m = queue.shift()
          if (m === undefined) return next(false as never)
          const wire = m === 'agent' ? 'publickey' : m
          if (methodsLeft && !methodsLeft.includes(wire as never)) continue
          tried.push(m)
          return next(m as never)
        }
      },
    }
    if (who.privateKey !== undefined) config.privateKey = who.privateKey
    if (who.passphrase !== undefined) config.passphrase = who.passphrase
    if (who.password !== undefined) config.password = who.password
    if (who.agent) config.agent = who.agent
    try {
      client.connect(config)
    } catch (err) {
      // e.g. a private key that cannot be parsed: waiting will not help.
      fail(new AttemptError('fatal', new TsimgError('SSH_BAD_KEY', `Cannot use the SSH key for ${where}: ${errorMessage(err)}`, { cause: err })))
    }
  })
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new CancelledError('Cancelled while waiting for SSH'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
