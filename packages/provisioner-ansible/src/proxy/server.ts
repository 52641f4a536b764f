import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import ssh2, { type ClientChannel, type Connection, type PublicKeyAuthContext } from 'ssh2'
import { TsimgError, generateKeyPair, type SshCommunicator } from '@tsimg/core/plugin'
import { processClient, type SpawningConnection, type UpstreamClient } from './process-channel.js'
import { forwardSession, stop, type Upstream } from './session.js'

/** What the proxy needs of tsimg's SSH communicator, or of one that spawns processes (docker exec). */
export type ProxiedConnection = Pick<SshCommunicator, 'client' | 'connected' | 'reconnect' | 'target'> | SpawningConnection

export interface ProxyOptions {
  /** The only user name ansible may log in as (its `ansible_user`). */
  readonly user: string
  /** authorized_keys line of the key ansible logs in with. */
  readonly clientPublicKey: string
  /** First port to try (ten are tried); default a free port. */
  readonly localPort?: number | undefined
  readonly sftpCommand?: string | undefined
  readonly connection: ProxiedConnection
  /** How long to wait for the machine when its connection must be made again (a reboot). */
  readonly reconnectTimeoutMs: number
  readonly debug: (message: string) => void
}

/**
 * The local endpoint of Packer's `use_proxy`: an SSH server on 127.0.0.1 with a host key made
 * for this run, admitting only ansible's one-time key, whose sessions run on the machine over
 * the connection tsimg already holds (bastion, temporary key or password included).
 */
export class AnsibleProxy {
  private constructor(
    private readonly server: ssh2.Server,
    /** ansible's connections and the machine's channels opened for them. */
    private readonly live: { conns: Set<Connection>; channels: Set<ClientChannel> },
    /** Port on 127.0.0.1 that ansible connects to. */
    readonly port: number,
    /** `type base64` of this run's host key, for ansible's known_hosts. */
    readonly hostKey: string,
  ) {}

  static async start(opts: ProxyOptions): Promise<AnsibleProxy> {
    const host = generateKeyPair('ed25519', undefined, 'tsimg-ansible-proxy')
    const allowed = parsePublic(opts.clientPublicKey)
    const live = { conns: new Set<Connection>(), channels: new Set<ClientChannel>() }
    let reconnecting: Promise<void> | undefined
    const upstream: Upstream = {
      sftpCommand: opts.sftpCommand,
      channels: live.channels,
      debug: opts.debug,
      async client(): Promise<UpstreamClient> {
        const conn = opts.connection
        if (!conn.connected) {
          // After a reboot the first session waits for the machine; the others share that wait.
          reconnecting ??= conn.reconnect({ timeoutMs: opts.reconnectTimeoutMs }).finally(() => (reconnecting = undefined))
          await reconnecting
        }
        return 'client' in conn ? conn.client : processClient(conn)
      },
    }
    const server = new ssh2.Server({ hostKeys: [host.privateKey], ident: 'tsimg-ansible-proxy' }, (conn) => {
      live.conns.add(conn)
      conn.on('close', () => live.conns.delete(conn))
      conn.on('error', (err: Error) => opts.debug(`ansible's connection: ${err.message}`))
      conn.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey' || ctx.username !== opts.user || !sameKey(ctx, allowed)) return ctx.reject(['publickey'])
        if (!ctx.signature) return ctx.accept()
        return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey'])
      })
      conn.on('ready', () => conn.on('session', (accept) => forwardSession(accept(), upstream)))
    })
    const port = await listen(server, opts.localPort)
    return new AnsibleProxy(server, live, port, host.publicKey.split(' ').slice(0, 2).join(' '))
  }

  /**
   * Stops every command still running on the machine for ansible, drops ansible's
   * connections (which ends any SSH control master it left) and closes the port.
   */
  async close(): Promise<void> {
    for (const ch of this.live.channels) stop(ch)
    this.live.channels.clear()
    for (const c of this.live.conns) c.end()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

type ParsedKey = Exclude<ReturnType<typeof ssh2.utils.parseKey>, Error | unknown[]>

function parsePublic(line: string): ParsedKey {
  const k = ssh2.utils.parseKey(line)
  if (k instanceof Error || Array.isArray(k)) throw new TsimgError('ANSIBLE_PROXY_KEY', 'cannot read the one-time key made for ansible')
  return k as ParsedKey
}

function sameKey(ctx: PublicKeyAuthContext, allowed: ParsedKey): boolean {
  const want = allowed.getPublicSSH()
  return ctx.key.algo === allowed.type && ctx.key.data.length === want.length && timingSafeEqual(ctx.key.data, want)
}

/** Listens on 127.0.0.1: the first free of ten ports from `first`, or any free port. */
async function listen(server: ssh2.Server, first?: number): Promise<number> {
  const ports = first ? Array.from({ length: 10 }, (_, i) => first + i).filter((p) => p <= 65535) : [0]
  let last: unknown
  for (const port of ports) {
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => reject(err)
        server.once('error', onError)
        server.listen(port, '127.0.0.1', () => {
          server.removeListener('error', onError)
          resolve()
        })
      })
      return (server.address() as AddressInfo).port
    } catch (err) {
      last = err
    }
  }
  throw new TsimgError('ANSIBLE_PROXY_PORT', `Cannot listen on 127.0.0.1 for ansible (tried ports ${ports[0]}-${ports.at(-1)}): ${(last as Error).message}`, {
    hint: 'Choose another localPort, or leave it unset for a free port',
  })
}
