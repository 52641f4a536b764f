import { execFile } from 'node:child_process'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { vsphereIso, type VsphereIsoInput } from '@tsimg/builder-vsphere'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseBootCommand, renderBootCommand, typingPlan } from '../dist/iso/boot-command.js'
import { downloadFile } from '../dist/iso/datastore.js'
import { runSourceBuild } from '../../../test/support/cloud-build.js'
import { cleanupErrors, inventory, journalFiles, stateText, useSim } from './support.js'
import { recordedScanCodes } from './iso-support.js'

const run = promisify(execFile)

// vsphere-iso against VMware's simulator. No OS installs in a simulator: there is no firmware to
// boot the ISO and nothing reads the keys or the kickstart. What is proven here is everything up
// to that: the VM as created (disks, NICs, CD-ROMs, floppy), the media made and uploaded through
// the datastore file API and removed, the HTTP server, the boot command as the simulator's
// PutUsbScanCodes (tsimg-vcsim's) recorded it, shutdown and template, and that nothing is left.
describe('vsphereIso against the simulator', () => {
  const s = useSim('iso')
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-build-'))
    await mkdir(join(dir, 'kickstart', '7'), { recursive: true })
    await writeFile(join(dir, 'kickstart', '7', 'ks.cfg'), 'install\ntext\n')
    await writeFile(join(dir, 'extra.txt'), 'flat file\n')
    await mkdir(join(dir, 'http'))
    await writeFile(join(dir, 'http', 'ks.cfg'), 'served ks\n')
    await writeFile(join(dir, 'user-data'), '#cloud-config\n')
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  const base = (over: Partial<VsphereIsoInput> = {}): VsphereIsoInput => ({
    vcenterServer: s.sim.server,
    username: s.sim.username,
    password: s.sim.password,
    insecureConnection: true,
    cluster: 'DC0_C0',
    datastore: 'LocalDS_0',
    vmName: `tsimg-iso-${Math.random().toString(36).slice(2, 8)}`,
    guestOsType: 'centos7_64Guest',
    vmVersion: 14,
    cpus: 2,
    cpuCores: 1,
    ram: 2048,
    diskControllerType: ['pvscsi'],
    storage: [{ diskSize: 4096, diskThinProvisioned: true }, { diskSize: 1024 }],
    networkAdapters: [{ network: 'VM Network', networkCard: 'vmxnet3' }],
    isoPaths: ['[LocalDS_0] iso/base.iso'],
    communicator: 'none',
    bootWait: '0s',
    bootKeygroupInterval: '1ms',
    ...over,
  })

  it('creates the VM with its hardware, media and boot command, makes it a template and leaves only that', async () => {
    const c = await s.client()
    const before = await inventory(c)
    await recordedScanCodes(s.sim, true)
    const o = base({
      floppyFiles: [join(dir, 'extra.txt')],
      floppyDirs: [`${join(dir, 'kickstart')}/`],
      cdFiles: [join(dir, 'user-data')],
      cdLabel: 'cidata',
      httpDirectory: join(dir, 'http'),
      httpBindAddress: '127.0.0.1',
      bootCommand: ['<tab> text ks=hd:fd0:/7/ks.cfg', ' inst.ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter><wait1ms>'],
      convertToTemplate: true,
    })
    // Hold the power-on to look at the VM and the datastore as the guest would find them.
    await s.sim.hold('PowerOnVM_Task')
    const seen: { floppy?: Buffer; devices?: unknown; files?: string[] } = {}
    const lines: string[] = []
    const building = runSourceBuild(vsphereIso({ name: 'test', ...o }), { stateDir: s.stateDir, provisioners: [], onLine: (l) => lines.push(l) })
    // The build must reach the held power-on; if it fails before, say how.
    await Promise.race([
      s.sim.held('PowerOnVM_Task'),
      building.then((r) => Promise.reject(new Error(`the build ended before powering on: ${r.summary.error?.message}\n${lines.join('\n')}`))),
    ])
    const vm = (await inventory(c)).get(o.vmName!)!
    const p = await c.get(
      { $ref: true, type: 'VirtualMachine', value: vm.moref },
      ['config.hardware', 'config.guestId', 'config.version', 'config.extraConfig'],
      AbortSignal.timeout(30_000),
    )
    seen.devices = p?.raw('config.hardware')
    const floppyPath = /\[LocalDS_0\] (tsimg-[^/]+\/floppy\.flp)/.exec(JSON.stringify(seen.devices))?.[1]
    expect(floppyPath).toBeDefined()
    seen.floppy = await downloadFile(c, { datastore: 'LocalDS_0', path: floppyPath!, datacenterPath: 'DC0' }, AbortSignal.timeout(30_000))
    expect(p?.string('config.guestId')).toBe('centos7_64Guest')
    expect(p?.string('config.version')).toBe('vmx-14')
    await s.sim.release()
    const r = await building
    expect(r.summary.error?.message).toBeUndefined()
    expect(r.summary.outcome).toBe('success')

    // Hardware: 2 CPUs, 2048 MB, a PVSCSI controller with a 4 GB thin and a 1 GB thick disk,
    // a vmxnet3 on VM Network, CD-ROMs with the ISO path and the uploaded CD image, the floppy.
    const hw = JSON.stringify(seen.devices)
    expect(hw).toContain('"numCPU":"2"')
    expect(hw).toContain('"memoryMB":"2048"')
    expect(hw).toContain('ParaVirtualSCSIController')
    expect(hw).toContain('"capacityInKB":"4194304"')
    expect(hw).toContain('"capacityInKB":"1048576"')
    expect(hw).toContain('VirtualVmxnet3')
    expect(hw).toContain('[LocalDS_0] iso/base.iso')
    expect(hw).toMatch(/\[LocalDS_0\] tsimg-[^/"]+\/cd\.iso/)

    // The floppy as uploaded: a FAT12 image fsck.fat accepts, labelled packer, with extra.txt
    // flat at the root and kickstart/'s contents (the trailing slash) at the root too.
    const img = join(dir, 'seen.flp')
    await writeFile(img, seen.floppy!)
    expect(seen.floppy!.length).toBe(1474560)
    await run('fsck.fat', ['-n', img])
    const { stdout: listing } = await run('mdir', ['-i', img, '-/', '-b', '::'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } })
    expect(listing.split('\n').filter(Boolean).sort()).toEqual(['::/7/', '::/7/ks.cfg', '::/extra.txt'])
    const { stdout: ks } = await run('mtype', ['-i', img, '::/7/ks.cfg'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } })
    expect(ks).toBe('install\ntext\n')
    const { stdout: label } = await run('mlabel', ['-i', img, '-s', '::'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } })
    expect(label).toMatch(/PACKER/i)

    // The boot command as the simulator recorded it: the plan for the command with the HTTP
    // server's address filled in.
    const http = /HTTP server is working at http:\/\/([\d.]+):(\d+)\//.exec(lines.join('\n'))!
    expect(http[1]).toBe('127.0.0.1')
    const command = renderBootCommand(o.bootCommand!.join(''), { Name: o.vmName!, HTTPIP: http[1]!, HTTPPort: Number(http[2]) })
    const plan = typingPlan(parseBootCommand(command)).flatMap((a) => (a.kind === 'key' ? [a.event] : []))
    const recorded = (await recordedScanCodes(s.sim))[vm.moref] ?? []
    expect(recorded.map((e) => ({ usbHidCode: e.usbHidCode, leftControl: e.leftControl, leftAlt: e.leftAlt, leftShift: e.leftShift }))).toEqual(plan)

    // The template is what is left: a template now, without the floppy drive (Packer removes it).
    const after = await inventory(c)
    expect(after.get(o.vmName!)?.template).toBe(true)
    expect([...after.keys()].sort()).toEqual([...before.keys(), o.vmName!].sort())
    const tp = await c.get({ $ref: true, type: 'VirtualMachine', value: vm.moref }, ['config.hardware'], AbortSignal.timeout(30_000))
    expect(JSON.stringify(tp?.raw('config.hardware'))).not.toContain('VirtualFloppy')
    // The uploads are gone from the datastore, folder and all.
    await expect(downloadFile(c, { datastore: 'LocalDS_0', path: floppyPath!, datacenterPath: 'DC0' }, AbortSignal.timeout(30_000))).rejects.toThrow(/HTTP 404/)
    await expect(
      downloadFile(c, { datastore: 'LocalDS_0', path: floppyPath!.replace(/\/floppy\.flp$/, '/cd.iso'), datacenterPath: 'DC0' }, AbortSignal.timeout(30_000)),
    ).rejects.toThrow(/HTTP 404/)
    expect(cleanupErrors(r.events)).toEqual([])
    expect(await journalFiles(s.stateDir)).toEqual([])
    for (const t of [r.text, await stateText(s.stateDir)]) expect(t).not.toContain(s.sim.password)
  })
})
