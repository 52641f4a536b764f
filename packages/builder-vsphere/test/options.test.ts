import { vsphereClone, vsphereCloneSchema } from '@tsimg/builder-vsphere'
import { TemplateError } from '@tsimg/core/plugin'
import { describe, expect, it } from 'vitest'

const base = {
  vcenterServer: 'vc.example',
  username: 'administrator@vsphere.local',
  password: 'vc-secret',
  cluster: 'C0',
  template: 'base-os',
  sshUsername: 'root',
}
const problems = (o: Record<string, unknown>) => {
  const r = vsphereCloneSchema.safeParse(o)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}
const ctx = { templateDir: '/tmp', templateFile: '/tmp/image.ts', path: 'sources[0]' }

describe('vsphere-clone options', () => {
  it("applies Packer's defaults", () => {
    const o = vsphereClone(base).options
    expect([
      o.insecureConnection,
      o.linkedClone,
      o.convertToTemplate,
      o.createSnapshot,
      o.ipWaitTimeout,
      o.ipSettleTimeout,
      o.ipWaitAddress,
      o.shutdownTimeout,
      o.configurationParameters,
    ]).toEqual([false, false, false, false, '30m', '5s', '0.0.0.0/0', '5m', {}])
  })

  it('rejects unknown options (Packer snake_case names), bad values and contradictory choices, naming the field', () => {
    expect(problems({ ...base, vm_name: 'x' }).join()).toMatch(/vm_name/)
    expect(problems({ ...base, template: undefined }).join()).toMatch(/template/)
    expect(problems({ ...base, cluster: undefined }).join()).toMatch(/cluster: set cluster or host/)
    expect(problems({ ...base, linkedClone: true, diskSize: 20480 }).join()).toMatch(/diskSize: diskSize cannot be set with linkedClone/)
    expect(problems({ ...base, macAddress: 'nope' }).join()).toMatch(/macAddress: expected a MAC/)
    expect(problems({ ...base, ipWaitAddress: '10.0.0.0' }).join()).toMatch(/ipWaitAddress: expected a CIDR/)
    expect(problems({ ...base, customize: { networkInterface: [{ ipv4Address: '300.1.1.1' }] } }).join()).toMatch(/customize.networkInterface.0.ipv4Address/)
    expect(problems({ ...base, customize: { linuxOptions: {}, windowsSysprepText: '<x/>' } }).join()).toMatch(/customize: set only one/)
    expect(problems({ ...base, firmware: 'uefi' }).join()).toMatch(/firmware/)
    expect(problems({ ...base, shutdownTimeout: 'soon' }).join()).toMatch(/shutdownTimeout/)
    expect(problems({ ...base, convertToTemplate: true, createSnapshot: true })).toEqual([])
  })

  it('refuses the options it does not carry out yet before anything is created, saying what to do instead', async () => {
    for (const [over, field] of [
      [{ export: { outputDirectory: 'out', images: true } }, 'export.images'],
      [{ contentLibraryDestination: { library: 'L' } }, 'contentLibraryDestination'],
      [{ bootOrder: 'disk,cdrom' }, 'bootOrder'],
      [{ videoRam: 8192 }, 'videoRam'],
      [{ vapp: { properties: { a: 'b' } } }, 'vapp'],
    ] as const) {
      const err = await Promise.resolve(vsphereClone({ ...base, ...over }).validate?.(ctx)).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, field).toBeInstanceOf(TemplateError)
      expect((err as TemplateError).message).toMatch(/not supported yet: leave/)
      expect(JSON.stringify(err) + String((err as Error).message)).toContain(field)
    }
  })

  it('lists the vCenter password (and SSH secrets) for redaction', () => {
    expect(vsphereClone({ ...base, sshPassword: 'guest-secret' }).secrets?.()).toEqual(expect.arrayContaining(['vc-secret', 'guest-secret']))
  })
})
