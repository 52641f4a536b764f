// vsphere-iso through the tsimg CLI on a Packer JSON template, against the simulator: the
// template runs unchanged; a build killed with SIGKILL while typing its boot command leaves its
// VM, its uploads and its journal, and `tsimg cleanup` removes them all. And Packer 1.6.6's own
// vsphere-iso types the same boot command into the same simulator: what tsimg-vcsim records for
// Packer's VM is what tsimg's plan sends.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseBootCommand, renderBootCommand, typingPlan } from '../dist/iso/boot-command.js'
import type { VimClient } from '@tsimg/builder-vsphere/vim'
import { freePort } from '../../../test/support/vcsim.js'
import { recordedScanCodes } from './iso-support.js'
import { inventory, journalFiles, useSim, type Sim } from './support.js'
import { destroyVm, killOnOutput, runProcess, sweep, tsimg, vcenterLogin } from './support/cli.js'

const hasPacker = spawnSync('packer', ['version']).status === 0

const BOOT = ['<esc><wait1ms> linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg', ' <leftShiftOn>a<leftShiftOff> name={{ .Name }}<enter>']

function template(s: Sim, vmName: string, port: number, over: Record<string, unknown> = {}): unknown {
  return {
    variables: { vcenter_password: '{{env `VSPHERE_PASSWORD`}}' },
    'sensitive-variables': ['vcenter_password'],
    builders: [
      {
        type: 'vsphere-iso',
        vcenter_server: s.sim.server,
        username: s.sim.username,
        password: '{{user `vcenter_password`}}',
        insecure_connection: 'true',
        datacenter: 'DC0',
        cluster: 'DC0_C0',
        host: 'DC0_C0_H0',
        datastore: 'LocalDS_0',
        vm_name: vmName,
        guest_os_type: 'otherGuest',
        CPUs: 1,
        RAM: 1024,
        storage: [{ disk_size: 1024, disk_thin_provisioned: true }],
        network_adapters: [{ network: 'VM Network', network_card: 'e1000' }],
        iso_paths: ['[LocalDS_0] iso/base.iso'],
        floppy_files: ['ks.cfg'],
        http_directory: '.',
        http_bind_address: '127.0.0.1',
        http_ip: '127.0.0.1',
        http_port_min: port,
        http_port_max: port,
        boot_wait: '1ms',
        boot_keygroup_interval: '1ms',
        boot_command: BOOT,
        communicator: 'none',
        ...over,
      },
    ],
  }
}

async function tsimgFolders(s: Sim): Promise<string[]> {
  const c = await s.client()
  const p = [...(await c.all('Datastore', ['name', 'summary.url'], AbortSignal.timeout(30_000))).values()].find((x) => x.string('name') === 'LocalDS_0')!
  return (await readdir(p.string('summary.url')!.replace(/^(file|ds):\/\//, ''))).filter((n) => n.startsWith('tsimg-'))
}

/**
 * An `onOutput` for a build with communicator "none", where Packer waits for the VM to be
 * powered off: the test powers it off once, when the build's output asks for it.
 */
function powerOffWhenAsked(c: VimClient, vmName: string): (out: string) => void {
  let asked = false
  return (out) => {
    if (asked || !out.includes('Please shutdown virtual machine')) return
    asked = true
    void (async () => {
      const vm = (await inventory(c)).get(vmName)!
      await c.task('PowerOffVM_Task', { $ref: true, type: 'VirtualMachine', value: vm.moref }, {}, { signal: AbortSignal.timeout(30_000) })
    })()
  }
}

describe('vsphere-iso JSON templates through the CLI', () => {
  const s = useSim('iso-cli')

  it('kill -9 while typing the boot command leaves the VM, the uploaded floppy and the journal; tsimg cleanup removes them all', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-kill-'))
    try {
      await writeFile(join(dir, 'ks.cfg'), 'install\n')
      const vmName = `isokill-${Math.random().toString(36).slice(2, 8)}`
      // A long wait inside the boot command keeps the build in that step.
      await writeFile(join(dir, 'builder.json'), JSON.stringify(template(s, vmName, await freePort(), { boot_command: ['a<wait10m>b'] }), null, 2))
      const killed = await tsimg(['build', 'builder.json'], {
        env: { TSIMG_STATE_DIR: dir, VSPHERE_PASSWORD: s.sim.password },
        cwd: dir,
        onOutput: killOnOutput('Typing boot command'),
      })
      expect(killed.code).toBeNull()
      expect((await inventory(c)).has(vmName)).toBe(true)
      expect(await tsimgFolders(s)).toHaveLength(1)
      expect(await journalFiles(dir)).toHaveLength(1)
      const cleanup = await tsimg(['cleanup'], { env: { TSIMG_STATE_DIR: dir, ...vcenterLogin(s) }, cwd: dir })
      expect(cleanup.code, cleanup.out).toBe(0)
      expect(cleanup.out).not.toContain(s.sim.password)
      expect([...(await inventory(c)).keys()].sort()).toEqual([...before.keys()].sort())
      expect(await tsimgFolders(s)).toEqual([])
      expect(await journalFiles(dir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('tsimg cleanup --sweep finds a killed build’s VM and its upload folder without the journal, and deletes both', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-sweep-'))
    try {
      await writeFile(join(dir, 'ks.cfg'), 'install\n')
      const vmName = `isosweep-${Math.random().toString(36).slice(2, 8)}`
      await writeFile(join(dir, 'builder.json'), JSON.stringify(template(s, vmName, await freePort(), { boot_command: ['a<wait10m>b'] }), null, 2))
      const killed = await tsimg(['build', 'builder.json'], {
        env: { TSIMG_STATE_DIR: join(dir, 'state'), VSPHERE_PASSWORD: s.sim.password },
        cwd: dir,
        onOutput: killOnOutput('Typing boot command'),
      })
      expect(killed.code).toBeNull()
      expect(await tsimgFolders(s)).toHaveLength(1)
      // The state directory is lost (a CI runner gone): only the marks on the VM and the folder's name remain.
      await rm(join(dir, 'state'), { recursive: true, force: true })
      const swept = await sweep(s, join(dir, 'state2'), dir)
      expect(swept.code, swept.out).toBe(0)
      expect(swept.out).toMatch(/datastore folder \[LocalDS_0\] tsimg-tsimg-/)
      expect(swept.out).not.toContain(s.sim.password)
      expect([...(await inventory(c)).keys()].sort()).toEqual([...before.keys()].sort())
      expect(await tsimgFolders(s)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it.skipIf(!hasPacker)('Packer 1.6.6 types the same boot command into the simulator as tsimg: the recorded key events are tsimg’s plan', async () => {
    const c = await s.client()
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-packer-'))
    try {
      await writeFile(join(dir, 'ks.cfg'), 'install\n')
      const vmName = `packer-iso-${Math.random().toString(36).slice(2, 8)}`
      const port = await freePort()
      await writeFile(join(dir, 'builder.json'), JSON.stringify(template(s, vmName, port), null, 2))
      await recordedScanCodes(s.sim, true)
      const home = await mkdtemp(join(tmpdir(), 'tsimg-packer-home-'))
      const r = await runProcess('packer', ['build', 'builder.json'], {
        env: { HOME: home, VSPHERE_PASSWORD: s.sim.password },
        cwd: dir,
        onOutput: powerOffWhenAsked(c, vmName),
      })
      await rm(home, { recursive: true, force: true })
      expect(r.code, r.out).toBe(0)
      const vm = (await inventory(c)).get(vmName)!
      const recorded = (await recordedScanCodes(s.sim))[vm.moref] ?? []
      const command = renderBootCommand(BOOT.join(''), { HTTPIP: '127.0.0.1', HTTPPort: port, Name: vmName })
      const plan = typingPlan(parseBootCommand(command)).flatMap((a) => (a.kind === 'key' ? [a.event] : []))
      expect(recorded.length).toBeGreaterThan(20)
      expect(recorded.map((e) => ({ usbHidCode: e.usbHidCode, leftControl: e.leftControl, leftAlt: e.leftAlt, leftShift: e.leftShift }))).toEqual(plan)
      await destroyVm(c, vm.moref)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
  it.skipIf(!hasPacker)('the VM Packer 1.6.6 makes from a vsphere-iso template and the one tsimg makes from it have the same hardware', async () => {
    const c = await s.client()
    const over = {
      vm_version: 14,
      guest_os_type: 'centos7_64Guest',
      CPUs: 2,
      cpu_cores: 1,
      RAM: 2048,
      disk_controller_type: ['pvscsi'],
      storage: [{ disk_size: 2048, disk_thin_provisioned: true }],
      network_adapters: [{ network: 'VM Network', network_card: 'vmxnet3' }],
    }
    const hardware = async (vmName: string) => {
      const vm = (await inventory(c)).get(vmName)!
      const p = await c.get(
        { $ref: true, type: 'VirtualMachine', value: vm.moref },
        ['config.hardware', 'config.guestId', 'config.version'],
        AbortSignal.timeout(30_000),
      )
      const hw = p!.object('config.hardware') as Record<string, unknown>
      const devices = (Array.isArray(hw.device) ? hw.device : [hw.device]) as Record<string, any>[]
      await destroyVm(c, vm.moref)
      return {
        guestId: p!.string('config.guestId'),
        version: p!.string('config.version'),
        cpus: hw.numCPU,
        cores: hw.numCoresPerSocket,
        memoryMB: hw.memoryMB,
        devices: devices
          .map((d) =>
            [d.$type, d.capacityInKB, d.backing?.thinProvisioned, d.$type === 'VirtualCdrom' ? d.backing?.fileName : undefined]
              .filter((x) => x !== undefined)
              .join(' '),
          )
          .sort(),
      }
    }
    const build = async (tool: 'packer' | 'tsimg') => {
      const dir = await mkdtemp(join(tmpdir(), `tsimg-iso-hw-${tool}-`))
      const home = await mkdtemp(join(tmpdir(), 'tsimg-packer-home-'))
      try {
        await writeFile(join(dir, 'ks.cfg'), 'install\n')
        const vmName = `hw-${tool}-${Math.random().toString(36).slice(2, 8)}`
        await writeFile(join(dir, 'builder.json'), JSON.stringify(template(s, vmName, await freePort(), over), null, 2))
        const onOutput = powerOffWhenAsked(c, vmName)
        const r =
          tool === 'packer'
            ? await runProcess('packer', ['build', 'builder.json'], { env: { HOME: home, VSPHERE_PASSWORD: s.sim.password }, cwd: dir, onOutput })
            : await tsimg(['build', 'builder.json'], { env: { TSIMG_STATE_DIR: join(dir, 'state'), VSPHERE_PASSWORD: s.sim.password }, cwd: dir, onOutput })
        expect(r.code, r.out.slice(-2000)).toBe(0)
        return await hardware(vmName)
      } finally {
        await rm(dir, { recursive: true, force: true })
        await rm(home, { recursive: true, force: true })
      }
    }
    const packerVm = await build('packer')
    const tsimgVm = await build('tsimg')
    expect(tsimgVm).toEqual(packerVm)
  })
})
