/**
 * VMware's vCenter simulator for the vSphere tests: scripts/vcsim/main.go (over Debian's
 * govmomi), built by scripts/vcsim/build.sh (cached by main.go's hash), started on
 * 127.0.0.1:<free port> with TLS and a fixed login.
 *
 *   const sim = await startVcsim()
 *   vsphereClone({ vcenterServer: sim.server, username: sim.username, password: sim.password, insecureConnection: true, ... })
 *   await sim.fault('CloneVM_Task', 'InsufficientResourcesFault')   // the next CloneVM_Task answers that fault
 *   await sim.stop()
 *
 * Container-backed VMs: `containerArgs(...)` gives the `RUN.container` value (docker run
 * arguments) for a VM whose sshd listens on 127.0.0.N:<port> on the host network, as
 * ../shared/reference/peers.md describes; VCSIM_BUSYBOX is the local base image (the simulator
 * runs it to write the VM's DMI files).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { request } from 'node:https'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** The local base image (scripts/make-base-image.sh): the container VMs' image and the simulator's VCSIM_BUSYBOX. */
const BASE_IMAGE = process.env.TSIMG_BASE_IMAGE || 'tsimg/debian-ssh:bookworm'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const run = promisify(execFile)

/** The simulator binary (built once; a warm cache answers at once). */
async function vcsimBinary(): Promise<string> {
  const { stdout } = await run('bash', [join(ROOT, 'scripts/vcsim/build.sh')], { maxBuffer: 1 << 20 })
  return stdout.trim().split('\n').pop()!
}

export interface Vcsim {
  /** `127.0.0.1:PORT`: Packer's vcenter_server. */
  readonly server: string
  /** `https://127.0.0.1:PORT/sdk`. */
  readonly url: string
  readonly username: string
  readonly password: string
  /** The next `times` calls of `method` answer a SOAP fault of that type. */
  fault(method: string, fault: string, times?: number, message?: string): Promise<void>
  /** Carries the next call of `method` out, then closes the connection without an answer. */
  drop(method: string): Promise<void>
  /** Holds the next call of `method` until `release()` (or the client gives up). */
  hold(method: string): Promise<void>
  release(): Promise<void>
  clearFaults(): Promise<void>
  /** The SOAP methods called so far, in order, and those held now. */
  calls(): Promise<{ calls: string[]; held: string[] }>
  /** The bodies of the last requests of `method` the simulator received (Login's are never kept). */
  requests(method: string): Promise<string[]>
  /** Resolves once a call of `method` is held. */
  held(method: string): Promise<void>
  /** Everything the simulator printed (its log). */
  log(): string
  stop(): Promise<void>
}

export async function startVcsim(opts: { username?: string; password?: string; extraArgs?: string[] } = {}): Promise<Vcsim> {
  const bin = await vcsimBinary()
  const username = opts.username ?? 'administrator@vsphere.local'
  const password = opts.password ?? `Sim-${randomBytes(9).toString('base64url')}`
  const child: ChildProcess = spawn(bin, ['-l', '127.0.0.1:0', '-username', username, '-password', password, ...(opts.extraArgs ?? [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, VCSIM_BUSYBOX: BASE_IMAGE },
  })
  let out = ''
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /TSIMG_VCSIM_URL=(\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`tsimg-vcsim exited (${code}) before it answered: ${out}`)))
  })
  const server = new URL(url).host
  const control = (path: string, method: string, body?: unknown) =>
    new Promise<string>((resolve, reject) => {
      const data = body === undefined ? '' : JSON.stringify(body)
      const req = request(
        `https://${server}${path}`,
        { method, rejectUnauthorized: false, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
        (res) => {
          let t = ''
          res.on('data', (c: Buffer) => (t += c.toString()))
          res.on('end', () => (res.statusCode === 200 ? resolve(t) : reject(new Error(`${path}: HTTP ${res.statusCode}: ${t}`))))
        },
      )
      req.on('error', reject)
      req.end(data)
    })
  const calls = async () => JSON.parse(await control('/tsimg/calls', 'GET')) as { calls: string[] | null; held: string[] | null }
  return {
    server,
    url,
    username,
    password,
    fault: async (method, fault, times = 1, message) => void (await control('/tsimg/faults', 'POST', { method, fault, times, ...(message && { message }) })),
    hold: async (method) => void (await control('/tsimg/faults', 'POST', { method, hold: true })),
    drop: async (method) => void (await control('/tsimg/faults', 'POST', { method, drop: true })),
    release: async () => void (await control('/tsimg/release', 'POST')),
    clearFaults: async () => void (await control('/tsimg/faults', 'DELETE')),
    calls: async () => {
      const c = await calls()
      return { calls: c.calls ?? [], held: c.held ?? [] }
    },
    requests: async (method) => {
      const r = JSON.parse(await control('/tsimg/requests', 'GET')) as { requests: { method: string; body: string }[] | null }
      return (r.requests ?? []).filter((x) => x.method === method).map((x) => x.body)
    },
    held: async (method) => {
      // The simulator answers at once; this polls its own record of held calls (no fixed sleep decides order).
      for (;;) {
        const c = await calls()
        if ((c.held ?? []).includes(method)) return
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    log: () => out,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** A free TCP port on 127.0.0.1 (for a container VM's sshd on the host network). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** A loopback address of its own for one container VM: 127.0.0.<2..250>, random per call. */
export function loopbackAddress(): string {
  return `127.0.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 248)}`
}

/**
 * `RUN.container` for a VM that runs the local base image on the host network with sshd on
 * `ip:port`, root's password `rootPassword`; labelled so a test can find its containers.
 */
export function containerArgs(o: { ip: string; port: number; rootPassword: string; label: string; group?: string }): string {
  const script = [
    `echo root:${o.rootPassword} | chpasswd`,
    'ssh-keygen -A >/dev/null',
    `exec /usr/sbin/sshd -D -e -o ListenAddress=${o.ip} -p ${o.port} -o PermitRootLogin=yes -o PasswordAuthentication=yes`,
  ].join(' && ')
  // The simulator joins the arguments with spaces and runs them with sh -c: the script is one quoted word.
  // --init: sshd is not PID 1, so the simulator's docker stop ends it at once instead of after 10 s.
  return JSON.stringify([
    '--tmpfs',
    '/sys/class',
    '--init',
    '--network',
    'host',
    '--label',
    `tsimg.test=${o.label}`,
    ...(o.group ? ['--label', `tsimg.test-group=${o.group}`] : []),
    BASE_IMAGE,
    '/bin/sh',
    '-c',
    `'${script}'`,
  ])
}

/** The ids of running or stopped containers with our test label. */
export async function labelledContainers(label: string, key = 'tsimg.test'): Promise<string[]> {
  const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${key}=${label}`])
  return stdout.split('\n').filter(Boolean)
}

/** Removes the containers of a test group (what a failed test's VMs left; the simulator's own destroy removes them otherwise). */
export async function removeGroupContainers(group: string): Promise<void> {
  const ids = await labelledContainers(group, 'tsimg.test-group')
  if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids]).catch(() => undefined)
}
