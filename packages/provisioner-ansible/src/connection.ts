import { homedir } from 'node:os'
import { join } from 'node:path'
import { TsimgError, generateKeyPair, type Communicator, type ProvisionContext, type SshTarget } from '@tsimg/core/plugin'
import type { SpawningConnection } from './proxy/process-channel.js'
import { AnsibleProxy, type ProxiedConnection } from './proxy/server.js'
import type { WorkDir } from './workdir.js'

/** How ansible reaches the machine for one run. */
export interface AnsibleEndpoint {
  readonly host: string
  readonly port: number
  readonly user: string
  /** Private key file ansible logs in with (0600, in the work dir); none with ssh-agent. */
  readonly keyFile?: string
  /** ssh options every ssh/scp/sftp call of ansible gets: which host key to expect. */
  readonly sshCommonArgs: readonly string[]
  /** Environment ansible needs for this endpoint (the user's ansibleEnvVars still win). */
  readonly env?: Readonly<Record<string, string>>
  /** Stops the proxy, if any. */
  close(): Promise<void>
}

/** tsimg's SSH communicator, as far as the ansible provisioner needs it. */
type SshConnection = ProxiedConnection & { readonly sshTarget: SshTarget }

/** The SSH communicator, or one that spawns processes (docker exec), which the proxy can carry too. */
function proxiedConnection(c: Communicator): SshConnection | SpawningConnection {
  if ('sshTarget' in c && 'client' in c) return c as SshConnection
  if (typeof c.spawn === 'function') return c as SpawningConnection
  return sshConnection(c)
}

function sshConnection(c: Communicator): SshConnection {
  const s = c as Partial<SshConnection>
  if (!s.sshTarget || !('client' in s)) {
    const why =
      typeof c.spawn === 'function'
        ? 'useProxy: false needs an SSH connection to the machine'
        : 'The ansible provisioner needs an SSH connection to the machine'
    throw new TsimgError('ANSIBLE_NEEDS_SSH', `${why}; ${c.target} is not one`, {
      ...(typeof c.spawn === 'function'
        ? { hint: "Leave useProxy at its default (true): ansible then reaches the container through tsimg's docker exec" }
        : {}),
    })
  }
  return s as SshConnection
}

/**
 * Packer's default (`useProxy: true`): a local SSH endpoint with a host key and a login key
 * made for this run; ansible's known_hosts (in the work dir) holds exactly that host key.
 */
export async function proxyEndpoint(
  ctx: ProvisionContext,
  work: WorkDir,
  userOption: string | undefined,
  opts: { localPort?: number | undefined; sftpCommand?: string | undefined },
): Promise<AnsibleEndpoint> {
  const conn = proxiedConnection(ctx.communicator)
  const ssh = 'sshTarget' in conn ? conn : undefined
  // Unlike Packer (the local user), the default is the machine's: become then works as expected.
  // Through docker exec every command runs as the exec user, whatever ansible logs in as.
  const user = userOption ?? ssh?.sshTarget.username ?? String(ctx.generated.User ?? 'root')
  ctx.ui.say('Setting up proxy adapter for Ansible...')
  const login = generateKeyPair('ed25519', undefined, 'tsimg-ansible')
  const keyFile = await work.writePrivate('ansible-login.key', login.privateKey)
  const proxy = await AnsibleProxy.start({
    user,
    clientPublicKey: login.publicKey,
    localPort: opts.localPort,
    sftpCommand: opts.sftpCommand,
    connection: conn,
    reconnectTimeoutMs: ssh?.sshTarget.timeoutMs ?? 0,
    debug: () => undefined,
  })
  try {
    const knownHosts = await work.writePrivate('known_hosts', `[127.0.0.1]:${proxy.port} ${proxy.hostKey}\n`)
    ctx.ui.message(`Ansible connects to 127.0.0.1:${proxy.port}, carried over ${conn.target}`)
    return {
      host: '127.0.0.1',
      port: proxy.port,
      user,
      keyFile,
      sshCommonArgs: ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes'],
      // No SFTP server behind docker exec (unless sftpCommand names one): files go over exec.
      ...(ssh || opts.sftpCommand ? {} : { env: { ANSIBLE_SSH_TRANSFER_METHOD: 'piped' } }),
      close: () => proxy.close(),
    }
  } catch (err) {
    await proxy.close()
    throw err
  }
}

/**
 * `useProxy: false`: ansible connects to the machine's own address with the key of tsimg's
 * connection, copied 0600 into the work dir (or with ssh-agent). The communicator's host key
 * policy carries over: accept-any checks nothing, known-hosts uses the same file.
 */
export async function directEndpoint(ctx: ProvisionContext, work: WorkDir, user: string | undefined): Promise<AnsibleEndpoint> {
  const conn = sshConnection(ctx.communicator)
  const t = conn.sshTarget
  ctx.ui.say('Not using proxy adapter for Ansible run: using the SSH key of the connection...')
  const hint = "Leave useProxy at its default (true): ansible then goes through tsimg's own connection"
  if (t.bastion) throw new TsimgError('ANSIBLE_DIRECT_BASTION', `useProxy: false cannot reach ${conn.target}: it is behind a bastion host`, { hint })
  if (typeof t.hostKeyPolicy === 'string' && t.hostKeyPolicy.startsWith('SHA256:')) {
    throw new TsimgError(
      'ANSIBLE_DIRECT_PINNED',
      'useProxy: false cannot check a pinned sshHostKeyPolicy fingerprint (OpenSSH checks known_hosts files only)',
      {
        hint: `${hint}, or use sshHostKeyPolicy: 'known-hosts'`,
      },
    )
  }
  let keyFile: string | undefined
  if (t.privateKey !== undefined) keyFile = await work.writePrivate('ssh.key', ensureNewline(t.privateKey.toString()))
  else if (!t.agent) {
    throw new TsimgError('ANSIBLE_DIRECT_NO_KEY', 'useProxy: false needs the connection to use a private key or ssh-agent; it logs in with a password', {
      hint,
    })
  }
  const hostKeyArgs =
    t.hostKeyPolicy === 'known-hosts'
      ? ['-o', `UserKnownHostsFile=${t.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes']
      : // accept-any, as tsimg's own connection did: nothing is checked, nothing is written to ~/.ssh.
        ['-o', `UserKnownHostsFile=${work.join('known_hosts')}`, '-o', 'StrictHostKeyChecking=no']
  return {
    host: t.host,
    port: t.port,
    user: user ?? t.username,
    ...(keyFile ? { keyFile } : {}),
    sshCommonArgs: hostKeyArgs,
    close: async () => undefined,
  }
}

function ensureNewline(key: string): string {
  // OpenSSH refuses a key file whose last line lacks its newline ("invalid format").
  return key.endsWith('\n') ? key : `${key}\n`
}
