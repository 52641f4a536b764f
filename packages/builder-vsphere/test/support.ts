/** Shared by the builder-vsphere tests: one simulator per file, a container-backed clone source, builds through the engine. */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { vsphereClone, type VsphereCloneInput } from '@tsimg/builder-vsphere'
import { VimClient } from '@tsimg/builder-vsphere/vim'
import type { ProvisionerPlugin } from '@tsimg/core'
import type { BuildEvent } from '@tsimg/core/node'
import { shell } from '@tsimg/provisioner-shell'
import { afterAll, beforeAll } from 'vitest'
import { cleanupErrors, journalFiles, runSourceBuild, stateText, type SourceRunResult } from '../../../test/support/cloud-build.js'
import { containerArgs, freePort, labelledContainers, loopbackAddress, removeGroupContainers, startVcsim, type Vcsim } from '../../../test/support/vcsim.js'

export { cleanupErrors, failedStep, journalFiles, stateText } from '../../../test/support/cloud-build.js'
export { labelledContainers, labelledContainers as containersOf } from '../../../test/support/vcsim.js'

const run = promisify(execFile)

/** The simulator's template VM the clones start from (a VPX model VM on the cluster). */
export const SOURCE_VM = 'DC0_C0_RP0_VM0'

export interface Sim {
  sim: Vcsim
  /** The docker label every container VM of this file carries (removed after the file). */
  group: string
  stateDir: string
  /** A client of our own, logged in (for reading the inventory). */
  client(): Promise<VimClient>
}

/** One simulator and state directory per file. */
export function useSim(name: string): Sim {
  const s = { group: `vsclone-${name}-${randomBytes(3).toString('hex')}` } as Sim & { c?: VimClient }
  beforeAll(async () => {
    s.sim = await startVcsim()
    s.stateDir = await mkdtemp(join(tmpdir(), `tsimg-vsphere-${name}-`))
    s.client = async () =>
      (s.c ??= await VimClient.connect({
        server: s.sim.server,
        username: s.sim.username,
        password: s.sim.password,
        insecure: true,
        signal: AbortSignal.timeout(30_000),
      }))
  })
  afterAll(async () => {
    await s.c?.logout()
    await s.sim?.stop()
    await removeGroupContainers(s.group)
    if (s.stateDir) await rm(s.stateDir, { recursive: true, force: true })
  })
  return s
}

/** A cancel row's place: the step it cancels in, and the SOAP method the simulator holds there (else the cancel comes as the step starts). */
export interface CancelAt {
  readonly step: string
  readonly hold?: string
}

/** The cancel rows with their titles: `vsphere:clone (CloneVM_Task held)`, `vsphere:wait-ip (as it starts)`. */
export const cancelRowsTitled = <R extends CancelAt>(rows: readonly R[]) =>
  rows.map((r) => [`${r.step}${r.hold ? ` (${r.hold} held)` : ' (as it starts)'}`, r] as const)

/**
 * A build's cancel in `row.step`. With `row.hold` the simulator holds that call, the cancel comes
 * once it is held, then the call goes on (a held create completes, and the cleanup must delete
 * what it made); without, the cancel comes as the step starts. `started` lists the steps that
 * started, so a row can check that its step was the last.
 */
export async function cancelIn(s: Sim, row: CancelAt): Promise<{ signal: AbortSignal; onEvent: (e: BuildEvent) => void; started: string[] }> {
  const ac = new AbortController()
  const started: string[] = []
  if (row.hold) {
    await s.sim.hold(row.hold)
    void s.sim.held(row.hold).then(async () => {
      ac.abort()
      await s.sim.release()
    })
  }
  const onEvent = (e: BuildEvent) => {
    if (e.type !== 'step-start') return
    started.push(e.step)
    if (!row.hold && e.step === row.step) ac.abort()
  }
  return { signal: ac.signal, onEvent, started }
}

/** A container VM's place: its own loopback address, port, root password and docker label. */
export interface Guest {
  ip: string
  port: number
  rootPassword: string
  label: string
  group: string
}

export async function newGuest(s: Pick<Sim, 'group'>): Promise<Guest> {
  return {
    ip: loopbackAddress(),
    port: await freePort(),
    rootPassword: `Root-${randomBytes(6).toString('hex')}`,
    label: `vsclone-${randomBytes(4).toString('hex')}`,
    group: s.group,
  }
}

/**
 * vsphere-clone options for a container-backed clone of SOURCE_VM: RUN.container in the
 * configuration parameters (a clone does not copy it), the customization's fixed IP the
 * address sshd listens on (what the IP wait reads), SSH as root with a password.
 */
export function cloneSource(sim: Vcsim, g: Guest, over: Partial<VsphereCloneInput> = {}): VsphereCloneInput {
  return {
    vcenterServer: sim.server,
    username: sim.username,
    password: sim.password,
    insecureConnection: true,
    cluster: 'DC0_C0',
    template: SOURCE_VM,
    vmName: `tsimg-${g.label}`,
    configurationParameters: { 'RUN.container': containerArgs(g) },
    customize: { linuxOptions: { hostName: 'tsimg-test', domain: 'test.local' }, networkInterface: [{ ipv4Address: g.ip, ipv4Netmask: 8 }] },
    ipSettleTimeout: '0s',
    sshUsername: 'root',
    sshPassword: g.rootPassword,
    sshPort: g.port,
    sshTimeout: '120s',
    ...over,
  } as VsphereCloneInput
}

const markerProvisioner = (): ProvisionerPlugin<any> => shell({ inline: ['echo "made by tsimg on vsphere" > /etc/tsimg-marker'] })

export function runBuild(
  source: VsphereCloneInput,
  opts: { stateDir: string; signal?: AbortSignal; force?: boolean; onEvent?: (e: BuildEvent) => void; provisioners?: ProvisionerPlugin<any>[] },
): Promise<SourceRunResult> {
  return runSourceBuild(vsphereClone({ name: 'test', ...source }), { ...opts, provisioners: opts.provisioners ?? [markerProvisioner()] })
}

/** A file read out of a container (running or stopped). */
export async function readFromContainer(id: string, path: string): Promise<string> {
  const { stdout } = await run('docker', ['exec', id, 'cat', path]).catch(async () => {
    // A stopped container: copy the file out as a tar stream.
    const { stdout: tar } = await run('docker', ['cp', `${id}:${path}`, '-'], { encoding: 'latin1', maxBuffer: 1 << 24 })
    return { stdout: tarFirstFile(tar) }
  })
  return stdout
}

function tarFirstFile(tar: string): string {
  const size = parseInt(tar.slice(124, 136).replace(/\0.*$/, '').trim(), 8)
  return Buffer.from(tar.slice(512, 512 + size), 'latin1').toString('utf8')
}

/** The VMs in the simulator's inventory: name -> { template, extraConfig keys }. */
export async function inventory(c: VimClient): Promise<Map<string, { moref: string; template: boolean }>> {
  const all = await c.all('VirtualMachine', ['name', 'config.template'], AbortSignal.timeout(30_000))
  return new Map([...all.values()].map((p) => [p.string('name')!, { moref: p.self.value, template: p.string('config.template') === 'true' }]))
}

/**
 * What every fault row checks after its build: the simulator's inventory is what it was before
 * (no VM of the build, no template), no container of the row is left, the journal is empty, no
 * cleanup erred, and neither password is in any event, line, journal or log.
 */
export async function expectNothingLeft(s: Sim, g: Guest, r: SourceRunResult, before: Map<string, unknown>): Promise<void> {
  const { expect } = await import('vitest')
  const c = await s.client()
  expect(cleanupErrors(r.events)).toEqual([])
  expect(r.summary.leftovers).toEqual([])
  expect([...(await inventory(c)).keys()].sort()).toEqual([...before.keys()].sort())
  expect(await labelledContainers(g.label)).toEqual([])
  expect(await journalFiles(s.stateDir)).toEqual([])
  for (const text of [r.text, await stateText(s.stateDir)]) {
    expect(text).not.toContain(s.sim.password)
    expect(text).not.toContain(g.rootPassword)
  }
}

/**
 * A Packer JSON template (what Packer 1.6.6 and tsimg both run) for a container-backed
 * vsphere-clone of SOURCE_VM that becomes a template; the vCenter password comes from the
 * environment (`VSPHERE_PASSWORD`), as users keep it out of the file.
 */
export function packerTemplate(
  sim: Vcsim,
  g: Guest,
  provisioners: unknown[] = [{ type: 'shell', inline: ['echo "made by $MAKER" > /etc/tsimg-marker'], environment_vars: ['MAKER=a packer template'] }],
): unknown {
  return {
    variables: { vcenter_password: '{{env `VSPHERE_PASSWORD`}}', guest_password: '{{env `GUEST_PASSWORD`}}' },
    'sensitive-variables': ['vcenter_password', 'guest_password'],
    builders: [
      {
        type: 'vsphere-clone',
        vcenter_server: sim.server,
        username: sim.username,
        password: '{{user `vcenter_password`}}',
        insecure_connection: 'true',
        cluster: 'DC0_C0',
        // Packer 1.6.6 finds the datastore through `host` when none is given, and fails with neither.
        datastore: 'LocalDS_0',
        template: SOURCE_VM,
        vm_name: `tsimg-${g.label}`,
        configuration_parameters: { 'RUN.container': containerArgs(g) },
        customize: { linux_options: { host_name: 'tsimg-test', domain: 'test.local' }, network_interface: [{ ipv4_address: g.ip, ipv4_netmask: 8 }] },
        ip_settle_timeout: '1s',
        communicator: 'ssh',
        ssh_username: 'root',
        ssh_password: '{{user `guest_password`}}',
        ssh_port: g.port,
        ssh_timeout: '2m',
        convert_to_template: true,
      },
    ],
    provisioners,
  }
}
