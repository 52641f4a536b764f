/**
 * The local endpoint's relay, against a machine that answers the way a fast command on a busy
 * host does: the reply to `exec`, the output, the exit status and the close reach tsimg's
 * connection in one read. ansible's OpenSSH client (with its control master, as ansible runs it)
 * must get each command's exact exit status; a lost one is status 255, "unreachable host".
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2 from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@tsimg/core/plugin'
import { AnsibleProxy } from '../src/proxy/server.js'

/**
 * An SSH server that runs each exec to its end before it answers, then sends the reply, stdout,
 * stderr, exit status, EOF and close in the same tick: together on the wire, as sshd's packets
 * for a short command arrive together at a client whose event loop was busy.
 */
async function fastMachine(): Promise<{ server: ssh2.Server; port: number }> {
  const host = generateKeyPair('ed25519')
  const server = new ssh2.Server({ hostKeys: [host.privateKey] }, (conn) => {
    conn.on('authentication', (ctx) => (ctx.method === 'password' && ctx.password === 'machine' ? ctx.accept() : ctx.reject(['password'])))
    conn.on('error', () => undefined)
    conn.on('ready', () =>
      conn.on('session', (acceptSession) =>
        acceptSession().on('exec', (accept, _reject, info) => {
          const run = spawnSync('/bin/sh', ['-c', info.command])
          const ch = accept()
          ch.write(run.stdout)
          ch.stderr.write(run.stderr)
          ch.exit(run.status ?? 255)
          ch.end()
        }),
      ),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

describe('ansible proxy relay', () => {
  let dir: string
  let machine: { server: ssh2.Server; port: number }
  let client: ssh2.Client
  let proxy: AnsibleProxy
  let sshArgs: string[]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsimg-ansible-proxy-test-'))
    machine = await fastMachine()
    client = new ssh2.Client()
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject)
      client.connect({ host: '127.0.0.1', port: machine.port, username: 'root', password: 'machine' })
    })
    const login = generateKeyPair('ed25519')
    proxy = await AnsibleProxy.start({
      user: 'ansible',
      clientPublicKey: login.publicKey,
      connection: { client, connected: true, reconnect: async () => undefined, target: 'the fast machine' },
      reconnectTimeoutMs: 60_000,
      debug: () => undefined,
    })
    await writeFile(join(dir, 'key'), login.privateKey, { mode: 0o600 })
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${proxy.port} ${proxy.hostKey}\n`)
    // ansible's own ssh options: one control master, every command a channel of its connection.
    sshArgs = ['-p', String(proxy.port), '-i', join(dir, 'key'), '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`]
    sshArgs.push('-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ControlMaster=auto', '-o', 'ControlPersist=60')
    sshArgs.push('-o', `ControlPath=${join(dir, 'cm')}`, '-o', 'ConnectTimeout=60', '-F', '/dev/null', 'ansible@127.0.0.1')
    // The control master, so that every command of the tests is a channel of its connection.
    expect((await ssh('true')).code).toBe(0)
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => execFile('ssh', [...sshArgs.slice(0, -1), '-O', 'exit', 'ansible@127.0.0.1'], () => resolve()))
    await proxy?.close()
    client?.end()
    await new Promise<void>((resolve) => (machine ? machine.server.close(() => resolve()) : resolve()))
    await rm(dir, { recursive: true, force: true })
  })

  function ssh(command: string): Promise<Ran> {
    return new Promise((resolve) => {
      execFile('ssh', [...sshArgs, command], (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0
        resolve({ code, stdout, stderr })
      })
    })
  }

  it('gives each of many parallel commands on one control master its exact exit status and output, though the machine answers each at once', async () => {
    const codes = Array.from({ length: 24 }, (_, i) => i + 1)
    const ran = await Promise.all(codes.map((n) => ssh(`echo out-${n}; echo err-${n} >&2; exit ${n}`)))
    expect(ran).toEqual(codes.map((n) => ({ code: n, stdout: `out-${n}\n`, stderr: `err-${n}\n` })))
  })
})
