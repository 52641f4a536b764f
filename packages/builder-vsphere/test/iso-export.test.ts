import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vsphereIso } from '@tsimg/builder-vsphere'
import { XMLParser } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uploadFile } from '../dist/iso/datastore.js'
import { runSourceBuild } from '../../../test/support/cloud-build.js'
import { cleanupErrors, inventory, journalFiles, useSim } from './support.js'

// OVF export. The simulator has no ExportVm and keeps no disk contents, so: the test writes a
// disk where the VM's disk backing points (a VMDK text descriptor and its -flat extent, as an
// ESXi datastore holds them) while the build waits at power-on; the export must read it back
// through the datastore file interface and describe the VM. The descriptor is checked here
// against the OVF 1.0 envelope's rules (DSP0243): namespaces, every File referenced and sized,
// every Disk naming a File, every disk Item naming a Disk and a controller Item, unique
// InstanceIDs, CIM resource types; the manifest against the files' digests.
describe('vsphereIso export { } against the simulator', () => {
  const s = useSim('iso-export')
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-export-'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('writes an OVF that names the VM’s hardware and the disk files it copied, with a matching manifest', async () => {
    const c = await s.client()
    const vmName = `tsimg-exp-${Math.random().toString(36).slice(2, 8)}`
    const out = join(dir, 'out')
    const source = vsphereIso({
      name: 'test',
      vcenterServer: s.sim.server,
      username: s.sim.username,
      password: s.sim.password,
      insecureConnection: true,
      cluster: 'DC0_C0',
      datastore: 'LocalDS_0',
      vmName,
      guestOsType: 'centos7_64Guest',
      vmVersion: 14,
      cpus: 2,
      ram: 1024,
      notes: 'built by the export test',
      storage: [{ diskSize: 2048, diskThinProvisioned: true }],
      networkAdapters: [{ network: 'VM Network', networkCard: 'vmxnet3', macAddress: '00:50:56:aa:bb:cc' }],
      isoPaths: ['[LocalDS_0] iso/base.iso'],
      communicator: 'none',
      bootWait: '0s',
      convertToTemplate: true,
      export: { outputDirectory: out, manifest: 'sha256', options: ['mac'] },
    })
    await s.sim.hold('PowerOnVM_Task')
    const building = runSourceBuild(source, { stateDir: s.stateDir, provisioners: [] })
    await Promise.race([s.sim.held('PowerOnVM_Task'), building.then((r) => Promise.reject(new Error(`ended early: ${r.summary.error?.message}`)))])
    const vm = (await inventory(c)).get(vmName)!
    const hw = await c.get({ $ref: true, type: 'VirtualMachine', value: vm.moref }, ['config.hardware'], AbortSignal.timeout(30_000))
    const diskFile = /"fileName":"\[LocalDS_0\] ([^"]+\.vmdk)"/.exec(JSON.stringify(hw?.raw('config.hardware')))![1]!
    const flat = Buffer.alloc(64 * 1024, 0)
    flat.write('tsimg disk contents', 4096)
    const base = diskFile
      .split('/')
      .pop()!
      .replace(/\.vmdk$/, '')
    const descriptor = `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="vmfs"\n\n# Extent description\nRW 128 VMFS "${base}-flat.vmdk"\n\nddb.adapterType = "lsilogic"\n`
    await writeFile(join(dir, 'desc'), descriptor)
    await writeFile(join(dir, 'flat'), flat)
    const signal = AbortSignal.timeout(30_000)
    await uploadFile(c, { datastore: 'LocalDS_0', path: diskFile, datacenterPath: 'DC0' }, join(dir, 'desc'), signal)
    await uploadFile(c, { datastore: 'LocalDS_0', path: diskFile.replace(/\.vmdk$/, '-flat.vmdk'), datacenterPath: 'DC0' }, join(dir, 'flat'), signal)
    await s.sim.release()
    const r = await building
    expect(r.summary.error?.message).toBeUndefined()
    expect(cleanupErrors(r.events)).toEqual([])
    expect(await journalFiles(s.stateDir)).toEqual([])

    expect((await readdir(out)).sort()).toEqual([`${vmName}-disk1-flat.vmdk`, `${vmName}-disk1.vmdk`, `${vmName}.mf`, `${vmName}.ovf`].sort())
    // The disk is the datastore's, extent renamed in its descriptor.
    expect(await readFile(join(out, `${vmName}-disk1-flat.vmdk`))).toEqual(flat)
    expect(await readFile(join(out, `${vmName}-disk1.vmdk`), 'utf8')).toContain(`RW 128 VMFS "${vmName}-disk1-flat.vmdk"`)

    const xml = await readFile(join(out, `${vmName}.ovf`), 'utf8')
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => ['File', 'Disk', 'Item', 'Network'].includes(n) }).parse(xml)
    const env = doc.Envelope
    expect(env['@xmlns']).toBe('http://schemas.dmtf.org/ovf/envelope/1')
    expect(env['@xmlns:rasd']).toBe('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData')
    expect(env['@xmlns:vssd']).toBe('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData')
    // References: every file exists with the size given.
    const files = env.References.File as Record<string, string>[]
    for (const f of files) expect((await stat(join(out, f['@ovf:href']!))).size).toBe(Number(f['@ovf:size']))
    expect(files.map((f) => f['@ovf:href']).sort()).toEqual([`${vmName}-disk1-flat.vmdk`, `${vmName}-disk1.vmdk`].sort())
    // DiskSection: the disk names a File and its capacity (2048 MB).
    const disks = env.DiskSection.Disk as Record<string, string>[]
    expect(disks).toHaveLength(1)
    expect(files.map((f) => f['@ovf:id'])).toContain(disks[0]!['@ovf:fileRef'])
    expect(Number(disks[0]!['@ovf:capacity'])).toBe(2048 * 1024 * 1024)
    expect(disks[0]!['@ovf:format']).toBe('http://www.vmware.com/interfaces/specifications/vmdk.html#vmfs')
    expect(env.DiskSection.Info).toBeTruthy()
    // VirtualSystem: name, OS, hardware family, items.
    const vs = env.VirtualSystem
    expect(vs['@ovf:id']).toBe(vmName)
    expect(vs.OperatingSystemSection['@vmw:osType']).toBe('centos7_64Guest')
    expect(vs.VirtualHardwareSection.System['vssd:VirtualSystemType']).toBe('vmx-14')
    expect(vs.AnnotationSection.Annotation).toBe('built by the export test')
    const items = vs.VirtualHardwareSection.Item as Record<string, string | number>[]
    const ids = items.map((i) => String(i['rasd:InstanceID']))
    expect(new Set(ids).size).toBe(ids.length)
    const byType = (t: number) => items.filter((i) => Number(i['rasd:ResourceType']) === t)
    expect(byType(3)[0]!['rasd:VirtualQuantity']).toBe(2)
    expect(byType(4)[0]!['rasd:VirtualQuantity']).toBe(1024)
    const disk = byType(17)
    expect(disk).toHaveLength(1)
    expect(disk[0]!['rasd:HostResource']).toBe(`ovf:/disk/${disks[0]!['@ovf:diskId']}`)
    const parent = items.find((i) => String(i['rasd:InstanceID']) === String(disk[0]!['rasd:Parent']))!
    expect([5, 6, 20]).toContain(Number(parent['rasd:ResourceType']))
    const cd = byType(15)
    expect(cd).toHaveLength(1)
    expect(Number(items.find((i) => String(i['rasd:InstanceID']) === String(cd[0]!['rasd:Parent']))!['rasd:ResourceType'])).toBe(5)
    const nic = byType(10)
    expect(nic).toHaveLength(1)
    expect(nic[0]!['rasd:Connection']).toBe('VM Network')
    expect(nic[0]!['rasd:Address']).toBe('00:50:56:aa:bb:cc')
    expect((env.NetworkSection.Network as Record<string, string>[]).map((n) => n['@ovf:name'])).toEqual(['VM Network'])
    // The manifest: one line per file, each digest right.
    const mf = (await readFile(join(out, `${vmName}.mf`), 'utf8')).trim().split('\n')
    expect(mf).toHaveLength(3)
    for (const line of mf) {
      const m = /^SHA256\((.+)\)= ([0-9a-f]{64})$/.exec(line)!
      expect(
        createHash('sha256')
          .update(await readFile(join(out, m[1]!)))
          .digest('hex'),
      ).toBe(m[2])
    }
    expect(r.summary.artifacts[0]?.files).toContain(join(out, `${vmName}.ovf`))
  })
})
