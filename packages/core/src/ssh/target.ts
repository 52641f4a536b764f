import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { TemplateError } from '../errors.js'
import { parseDuration } from '../util/duration.js'
import { SSH_DEFAULTS, type HostKeyPolicy, type SshOptions } from './options.js'

/** How to log in to one SSH server. */
export interface SshLogin {
  host: string
  port: number
  username: string
  password?: string
  /** Private key text (OpenSSH or PEM). */
  privateKey?: string | Buffer
  passphrase?: string
  /** ssh-agent socket path (usually `process.env.SSH_AUTH_SOCK`). */
  agent?: string
}

/** Everything the SSH communicator needs to reach a machine; builders make it from their state. */
export interface SshTarget extends SshLogin {
  /** Reach the machine through this jump host (its port is forwarded with direct-tcpip). */
  bastion?: SshLogin
  /** How long to wait for SSH to become available. */
  timeoutMs: number
  /** Handshakes (including failed logins) to attempt before failing. */
  handshakeAttempts: number
  /** 0 disables keep-alives. */
  keepAliveIntervalMs: number
  /** Fail a command or transfer whose connection stays silent this long (0 / undefined: never). */
  readWriteTimeoutMs?: number
  hostKeyPolicy: HostKeyPolicy
  /** For hostKeyPolicy 'known-hosts'; default ~/.ssh/known_hosts. */
  knownHostsFile?: string
  /** Request a PTY for every command. */
  pty?: boolean
  /** Once connected, wait this long and connect again (Packer's pause_before_connecting). */
  pauseBeforeConnectingMs?: number
}

/** What the builder knows about the machine; the user's SSH options override it. */
export interface SshTargetFallback {
  host?: string
  port?: number
  username?: string
  /** The temporary key (state.sshPrivateKey). */
  privateKey?: string
  password?: string
  /** Directory that relative key paths are resolved against (the template's). */
  baseDir?: string
}

/**
 * Maps Packer-style SSH options plus the builder's facts to an SshTarget. Reads key files,
 * so an unreadable key is a clear error naming the option before anything connects.
 */
export async function sshTargetFromOptions(options: SshOptions, fallback: SshTargetFallback = {}): Promise<SshTarget> {
  const base = fallback.baseDir ?? process.cwd()
  const username = options.sshUsername ?? fallback.username ?? SSH_DEFAULTS.username
  const agentSock = (field: string): string => {
    const sock = process.env.SSH_AUTH_SOCK
    if (!sock) throw new TemplateError('is true but SSH_AUTH_SOCK is not set: start ssh-agent or use a key file', { field })
    return sock
  }
  const target: SshTarget = {
    host: options.sshHost ?? fallback.host ?? '',
    port: options.sshPort ?? fallback.port ?? SSH_DEFAULTS.port,
    username,
    timeoutMs: options.sshTimeout !== undefined ? parseDuration(options.sshTimeout) : SSH_DEFAULTS.timeoutMs,
    ...(options.pauseBeforeConnecting !== undefined && { pauseBeforeConnectingMs: parseDuration(options.pauseBeforeConnecting) }),
    handshakeAttempts: options.sshHandshakeAttempts ?? SSH_DEFAULTS.handshakeAttempts,
    keepAliveIntervalMs: options.sshKeepAliveInterval !== undefined ? parseDuration(options.sshKeepAliveInterval) : SSH_DEFAULTS.keepAliveIntervalMs,
    hostKeyPolicy: options.sshHostKeyPolicy ?? 'accept-any',
  }
  if (options.sshReadWriteTimeout !== undefined) target.readWriteTimeoutMs = parseDuration(options.sshReadWriteTimeout)
  if (options.sshPty !== undefined) target.pty = options.sshPty
  if (options.sshKnownHostsFile) target.knownHostsFile = expandPath(options.sshKnownHostsFile, base)
  const password = options.sshPassword ?? fallback.password
  if (password !== undefined) target.password = password
  if (options.sshPrivateKeyFile) target.privateKey = await readKey(options.sshPrivateKeyFile, base, 'sshPrivateKeyFile')
  else if (fallback.privateKey) target.privateKey = fallback.privateKey
  if (options.sshAgentAuth) target.agent = agentSock('sshAgentAuth')

  if (options.sshBastionHost) {
    const bastion: SshLogin = {
      host: options.sshBastionHost,
      port: options.sshBastionPort ?? SSH_DEFAULTS.port,
      username: options.sshBastionUsername ?? username,
    }
    if (options.sshBastionPassword !== undefined) bastion.password = options.sshBastionPassword
    if (options.sshBastionPrivateKeyFile) bastion.privateKey = await readKey(options.sshBastionPrivateKeyFile, base, 'sshBastionPrivateKeyFile')
    else if (target.privateKey && options.sshBastionPassword === undefined) bastion.privateKey = target.privateKey
    if (options.sshBastionAgentAuth) bastion.agent = agentSock('sshBastionAgentAuth')
    target.bastion = bastion
  }
  return target
}

/** `user@host:port` (and the bastion), for messages. */
export function describeTarget(t: Pick<SshTarget, 'host' | 'port' | 'username' | 'bastion'>): string {
  const main = `${t.username}@${t.host}:${t.port}`
  return t.bastion ? `${main} via ${t.bastion.username}@${t.bastion.host}:${t.bastion.port}` : main
}

function expandPath(p: string, base: string): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1))
  return isAbsolute(p) ? p : resolve(base, p)
}

async function readKey(p: string, base: string, field: string): Promise<string> {
  const path = expandPath(p, base)
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new TemplateError(`cannot read private key file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      field,
      cause: err,
    })
  }
}
