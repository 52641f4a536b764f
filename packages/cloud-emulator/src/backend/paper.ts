import { generateKeyPairSync, timingSafeEqual } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import ssh2 from 'ssh2'
import { BackendError } from './errors.js'
import type { Cloud } from './cloud.js'
import type { Instance } from './types.js'

/**
 * Machines "on paper": an instance with every record a container-backed one has (state and
 * its power transitions, address, volumes, key pair, jobs, faults, the images made from it)
 * but no container. For tests whose subject is the API and the teardown, where a container
 * only costs time. Its address still answers SSH, as a booted machine's does: an in-process
 * server that speaks the SSH protocol and lets in only the key first boot would have
 * authorized (the instance's key pair) for its login user or root, checking the signature.
 * It runs nothing: a command, shell or SFTP session is refused with a line that says why, so
 * a test that provisions a paper machine fails loudly instead of passing on nothing.
 *
 * An image made from a paper machine is on paper too (no docker commit), and so is every
 * machine launched from such an image or copied from it.
 */

/** Whether machines launched from now on run as containers or on paper. */
export type MachineMode = 'container' | 'paper'

interface PaperServer {
  /** Accepts TCP and hands each connection to `ssh`, so a stop can drop them all. */
  readonly server: Server
  readonly sockets: Set<Socket>
}

const servers = new WeakMap<Instance, PaperServer>()
const hostKeys = new WeakMap<Cloud, string>()

function hostKey(cloud: Cloud): string {
  let key = hostKeys.get(cloud)
  if (!key) {
    // RSA in PKCS#1 PEM: ssh2 reads it back every time (its own ed25519 encoder is not always readable).
    key = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey
    hostKeys.set(cloud, key)
  }
  return key
}

/** What a paper machine answers to a command: nothing runs, and the exit status says so. */
export const PAPER_REFUSAL = 'runs on paper (no container): nothing can run on it; launch it with machines "container" to provision it'
const REFUSED_EXIT = 126

function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

function serve(cloud: Cloud, instance: Instance): PaperServer {
  const sockets = new Set<Socket>()
  const ssh = new ssh2.Server({ hostKeys: [hostKey(cloud)], ident: 'OpenSSH_9.2p1 tsimg-emulator-paper' }, (client) => {
    client.on('error', () => undefined)
    client.on('authentication', (ctx) => {
      const authorized = instance.authorizedKey ? ssh2.utils.parseKey(instance.authorizedKey) : undefined
      const key = authorized instanceof Error ? undefined : Array.isArray(authorized) ? authorized[0] : authorized
      const userOk = ctx.username === 'root' || ctx.username === instance.loginUser
      if (ctx.method !== 'publickey' || !key || !userOk) return ctx.reject(['publickey'])
      if (ctx.key.algo !== key.type || !sameKey(ctx.key.data, key.getPublicSSH())) return ctx.reject(['publickey'])
      // Without a signature the client only asks whether the key would do.
      if (!ctx.signature) return ctx.accept()
      if (ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept()
      return ctx.reject(['publickey'])
    })
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept()
        const refuse = (acceptChannel: () => ssh2.ServerChannel): void => {
          const channel = acceptChannel()
          channel.stderr.write(`instance ${instance.id} ${PAPER_REFUSAL}\n`)
          channel.exit(REFUSED_EXIT)
          channel.end()
        }
        session.on('exec', (a) => refuse(a))
        session.on('shell', (a) => refuse(a))
        session.on('pty', (_a, reject) => reject?.())
        session.on('env', (_a, reject) => reject?.())
        session.on('sftp', (_a, reject) => reject())
        session.on('subsystem', (_a, reject) => reject())
      })
      client.on('request', (_a, reject) => reject?.())
      client.on('tcpip', (_a, reject) => reject())
    })
  })
  ssh.on('error', () => undefined)
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    ssh.injectSocket(socket)
  })
  return { server, sockets }
}

/** Starts answering SSH on the instance's address, port 22 (needs root, as public IPs do). */
export function listenPaper(cloud: Cloud, instance: Instance): Promise<void> {
  const s = servers.get(instance) ?? serve(cloud, instance)
  servers.set(instance, s)
  if (s.server.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      servers.delete(instance)
      reject(error)
    }
    s.server.once('error', onError)
    s.server.listen(22, instance.address, () => {
      s.server.removeListener('error', onError)
      s.server.on('error', () => undefined)
      resolve()
    })
  })
}

/** The machine goes down: its SSH server stops and open connections drop, as a powered-off machine's do. */
export function closePaper(instance: Instance): Promise<void> {
  const s = servers.get(instance)
  if (!s) return Promise.resolve()
  servers.delete(instance)
  for (const socket of s.sockets) socket.destroy()
  return new Promise((resolve) => (s.server.listening ? s.server.close(() => resolve()) : resolve()))
}

export async function closeAllPaper(cloud: Cloud): Promise<void> {
  await Promise.all([...cloud.instances.values()].filter((i) => i.paper).map((i) => closePaper(i)))
}

/**
 * First boot of a paper machine: an address of its own, the key pair authorized (as
 * first-boot.ts would install it), SSH answering. `pickAddress` gives a free loopback address.
 */
export async function bootPaper(cloud: Cloud, instance: Instance, pickAddress: (avoid: Set<string>) => Promise<string>): Promise<void> {
  const tried = new Set<string>()
  for (;;) {
    const address = await pickAddress(tried)
    tried.add(address)
    cloud.addresses.add(address)
    ;(instance as { address: string }).address = address
    try {
      await listenPaper(cloud, instance)
      return
    } catch (error) {
      cloud.addresses.delete(address)
      // Another process (a container's published port, another emulator's paper machine) holds it.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tried.size > 8) {
        throw new BackendError('capacity', `No loopback address is free for paper instance ${instance.id}: ${(error as Error).message}`, {
          resource: 'instance',
        })
      }
    }
  }
}
