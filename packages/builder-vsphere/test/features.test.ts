// vsphere-clone options beyond the plain build, each checked in the simulator's inventory:
// linked clone (a child disk on the source's snapshot), disk_size, network, mac_address,
// create_snapshot, an existing VM of that name (an error, or replaced with -force).
import { describe, expect, it } from 'vitest'
import { cloneSource, expectNothingLeft, failedStep, inventory, newGuest, runBuild, SOURCE_VM, useSim } from './support.js'
import { list, moref, obj, str } from '@tsimg/builder-vsphere/vim'

const signal = () => AbortSignal.timeout(30_000)

describe('vsphere-clone features against vcsim', () => {
  const s = useSim('features')

  const vmNamed = async (name: string) => {
    const c = await s.client()
    const moref = (await inventory(c)).get(name)?.moref
    return moref ? { $ref: true as const, type: 'VirtualMachine', value: moref } : undefined
  }
  const destroy = async (name: string) => {
    const vm = await vmNamed(name)
    if (vm) await (await s.client()).task('Destroy_Task', vm, {}, { signal: signal() })
  }

  it('diskSize grows the first disk, macAddress fixes the first NIC, network moves it, firmware efi-secure and CPU cores apply, createSnapshot leaves a snapshot', async () => {
    const c = await s.client()
    const g = await newGuest(s)
    const r = await runBuild(
      cloneSource(s.sim, g, {
        diskSize: 2048,
        macAddress: '00:50:56:aa:bb:cc',
        network: 'VM Network',
        createSnapshot: true,
        snapshotName: 'after-build',
        firmware: 'efi-secure',
        cpuCores: 2,
        cpus: 4,
      }),
      { stateDir: s.stateDir },
    )
    expect(r.summary.error, r.lines.join('\n')).toBeUndefined()
    const vm = (await vmNamed(`tsimg-${g.label}`))!
    const p = (await c.get(
      vm,
      ['config.hardware.device', 'snapshot', 'config.firmware', 'config.bootOptions', 'config.hardware.numCPU', 'config.hardware.numCoresPerSocket'],
      signal(),
    ))!
    expect([
      p.string('config.firmware'),
      str(p.object('config.bootOptions').efiSecureBootEnabled),
      p.string('config.hardware.numCPU'),
      p.string('config.hardware.numCoresPerSocket'),
    ]).toEqual(['efi', 'true', '4', '2'])
    const devices = list(p.object('config.hardware.device').VirtualDevice).map(obj)
    const disk = devices.find((d) => d.$type === 'VirtualDisk')!
    expect(str(disk.capacityInKB)).toBe(String(2048 * 1024))
    const nic = devices.find((d) => typeof d.$type === 'string' && /E1000|Vmxnet|PCNet/.test(d.$type))!
    expect([str(nic.addressType), str(nic.macAddress), str(obj(nic.backing).deviceName)]).toEqual(['manual', '00:50:56:aa:bb:cc', 'VM Network'])
    const tree = list(obj(p.raw('snapshot')).rootSnapshotList).map(obj)
    expect(tree.map((t) => str(t.name))).toEqual(['after-build'])
    await destroy(`tsimg-${g.label}`)
  })

  it("linkedClone asks for a child disk on the source's current snapshot; without a snapshot it is an error naming linked_clone, and nothing is made", async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const failed = await runBuild(cloneSource(s.sim, g, { template: 'DC0_C0_RP0_VM1', linkedClone: true }), { stateDir: s.stateDir })
    expect(failedStep(failed.events)).toBe('vsphere:clone')
    expect(failed.summary.error?.message).toMatch(/linked_clone needs a snapshot of DC0_C0_RP0_VM1/)
    await expectNothingLeft(s, g, failed, before)

    const source = (await vmNamed(SOURCE_VM))!
    await c.task('CreateSnapshot_Task', source, { name: 'base', memory: false, quiesce: false }, { signal: signal() })
    const g2 = await newGuest(s)
    const r = await runBuild(cloneSource(s.sim, g2, { linkedClone: true }), { stateDir: s.stateDir })
    expect(r.summary.error, r.lines.join('\n')).toBeUndefined()
    // The simulator clones every disk whole (it ignores diskMoveType), so what is checked is the
    // request it received: a child disk on the source's current snapshot.
    const current = moref((await c.get(source, ['snapshot'], signal()))!.object('snapshot').currentSnapshot)!
    const body = (await s.sim.requests('CloneVM_Task')).at(-1)!
    expect(body).toContain('<diskMoveType>createNewChildDiskBacking</diskMoveType>')
    expect(body).toMatch(new RegExp(`<snapshot type="VirtualMachineSnapshot">${current.value}</snapshot>`))
    expect(await vmNamed(`tsimg-${g2.label}`)).toBeDefined()
    await destroy(`tsimg-${g2.label}`)
    await c.task('RemoveAllSnapshots_Task', source, {}, { signal: signal() })
  })

  it('a VM of the same name is an error before anything is cloned; with -force it is destroyed and the build replaces it', async () => {
    const g = await newGuest(s)
    const first = await runBuild(cloneSource(s.sim, g, { convertToTemplate: true }), { stateDir: s.stateDir })
    expect(first.summary.error, first.lines.join('\n')).toBeUndefined()
    const old = (await vmNamed(`tsimg-${g.label}`))!.value

    const g2 = { ...(await newGuest(s)), label: g.label }
    const again = await runBuild(cloneSource(s.sim, g2, { convertToTemplate: true }), { stateDir: s.stateDir })
    expect(failedStep(again.events)).toBe('vsphere:clone')
    expect(again.summary.error?.message).toMatch(/already exists/)
    expect(again.lines).not.toContain('Cloning VM...')
    expect((await vmNamed(`tsimg-${g.label}`))?.value).toBe(old)

    const forced = await runBuild(cloneSource(s.sim, g2, { convertToTemplate: true }), { stateDir: s.stateDir, force: true })
    expect(forced.summary.error, forced.lines.join('\n')).toBeUndefined()
    expect(forced.lines.some((l) => l.includes('already exists, but deleting it due to -force flag'))).toBe(true)
    const now = (await vmNamed(`tsimg-${g.label}`))!.value
    expect(now).not.toBe(old)
    expect([...(await inventory(await s.client())).keys()].filter((n) => n === `tsimg-${g.label}`)).toHaveLength(1)
    await destroy(`tsimg-${g.label}`)
  })
})
