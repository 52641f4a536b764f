/**
 * vitest globalSetup (runs once per `vitest run`, in the main process).
 *
 * Many test files only need *an* sshd to log in to, or *a* machine behind a bastion host, and
 * never restart, pause or reconfigure it. Starting one per file cost a container start each
 * (13 sshd containers for the SSH and provisioner files). Here they are started once per run, on
 * first request, and shared: a small loopback HTTP broker hands their address, key and
 * passwords to test files (`test/support/shared-sshd.ts`, through `inject`). A run that asks for
 * none starts none. Teardown stops what was started.
 *
 * Files that need to kill, restart, pause or reconfigure sshd keep their own container
 * (`startSshd` in test/support/sshd.ts).
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import ssh2 from 'ssh2'
import { Network, type StartedNetwork } from 'testcontainers'
import type { TestProject } from 'vitest/node'
import { startSshd, type StartedSshd } from './sshd.js'

/** What a test file learns about one shared sshd. */
export interface SharedSshdInfo {
  host: string
  port: number
  containerId: string
}

/** The shared login target: root and the users below accept `privateKey`. */
export interface SharedTargetInfo extends SharedSshdInfo {
  /** OpenSSH private key (ed25519) authorized for root and for `deploy`; made for this run only. */
  privateKey: string
  publicKey: string
  /**
   * Users besides root:
   * - alice: password only (no key authorized), passwordless sudo;
   * - deploy: the key and a password, passwordless sudo.
   */
  users: { alice: { password: string }; deploy: { password: string } }
}

/** A machine reachable only through a bastion, on a network of this run's own. */
export interface SharedBastionInfo {
  privateKey: string
  publicKey: string
  /** root accepts the key; its name on the private network is `alias`, port 22. */
  machine: SharedSshdInfo & { alias: string }
  /** user `jump` accepts the key; reachable on host:port. */
  bastion: SharedSshdInfo & { username: string }
}

export interface SharedKinds {
  target: SharedTargetInfo
  bastion: SharedBastionInfo
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of this run's shared-sshd broker (secret path included). */
    tsimgSharedSshd: string
  }
}

function keyPair(comment: string): { privateKey: string; publicKey: string } {
  const k = ssh2.utils.generateKeyPairSync('ed25519', { comment })
  return { privateKey: k.private, publicKey: k.public.trim() }
}

/** A password with a space and a quote: logins must pass it through unchanged. */
function password(user: string): string {
  return `${user} pw'${randomBytes(6).toString('hex')}`
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // As for the test workers (vitest.config.ts env): no reaper container, which would be pulled
  // from a registry; teardown below stops what this run started.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
  const sshds: StartedSshd[] = []
  const networks: StartedNetwork[] = []
  const starting = new Map<keyof SharedKinds, Promise<unknown>>()
  const labels = { 'tsimg.test.shared': `pid-${process.pid}` }

  const start: { [K in keyof SharedKinds]: () => Promise<SharedKinds[K]> } = {
    async target() {
      const key = keyPair('tsimg-shared-target')
      const users = { alice: { password: password('alice') }, deploy: { password: password('deploy') } }
      const sshd = await startSshd({
        authorizedKeys: [key.publicKey],
        users: [
          { name: 'alice', password: users.alice.password, sudo: true },
          { name: 'deploy', password: users.deploy.password, authorizedKeys: [key.publicKey], sudo: true },
        ],
        labels,
      })
      sshds.push(sshd)
      return { host: sshd.host, port: sshd.port, containerId: sshd.container.getId(), ...key, users }
    },
    async bastion() {
      const key = keyPair('tsimg-shared-bastion')
      const network = await new Network().start()
      networks.push(network)
      const alias = 'inner-machine'
      const [machine, bastion] = await Promise.all([
        startSshd({ authorizedKeys: [key.publicKey], network, networkAliases: [alias], labels }).then((s) => (sshds.push(s), s)),
        startSshd({ users: [{ name: 'jump', authorizedKeys: [key.publicKey] }], network, labels }).then((s) => (sshds.push(s), s)),
      ])
      return {
        ...key,
        machine: { host: machine.host, port: machine.port, containerId: machine.container.getId(), alias },
        bastion: { host: bastion.host, port: bastion.port, containerId: bastion.container.getId(), username: 'jump' },
      }
    },
  }

  const secret = randomBytes(16).toString('hex')
  const server: Server = createServer((req, res) => {
    const m = /^\/([0-9a-f]+)\/(\w+)$/.exec(req.url ?? '')
    const kind = m?.[2] as keyof SharedKinds | undefined
    if (!m || m[1] !== secret || !kind || !(kind in start)) {
      res.writeHead(404).end()
      return
    }
    let p = starting.get(kind)
    if (!p) starting.set(kind, (p = start[kind]()))
    p.then(
      (info) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info)),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : String(err)),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project.provide('tsimgSharedSshd', `http://127.0.0.1:${(server.address() as AddressInfo).port}/${secret}`)

  return async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
    // Wait for starts still under way, so their containers are stopped too.
    await Promise.allSettled([...starting.values()])
    await Promise.allSettled(sshds.map((s) => s.stop()))
    await Promise.allSettled(networks.map((n) => n.stop()))
  }
}
