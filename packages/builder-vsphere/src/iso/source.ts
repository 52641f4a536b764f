import { sshOptionsSchema, type SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { z } from 'zod'
import { refuseNotYet } from '../source.js'
import { type VsphereState } from '../state.js'
import { vsphereIsoShape } from './options.js'

/** vsphere-iso options: the vSphere ones, vsphere-iso's own, and core's SSH communicator options. */
export const vsphereIsoSchema = z
  .strictObject({ ...sshOptionsSchema.shape, ...vsphereIsoShape })
  .refine((o) => o.host || o.cluster, { message: 'set cluster or host: where the VM runs', path: ['cluster'] })
  .refine((o) => !(o.httpDirectory && o.httpContent), { message: 'set only one of httpDirectory and httpContent', path: ['httpContent'] })
  .refine((o) => o.httpPortMin <= o.httpPortMax, { message: 'httpPortMin must be less than or equal to httpPortMax', path: ['httpPortMin'] })
  .refine((o) => !o.isoUrls.length || o.isoChecksum, {
    message: 'isoChecksum is required with isoUrls (sha256:<hex>, or none to skip the check)',
    path: ['isoChecksum'],
  })
  .refine((o) => !(o.floppyImgPath && (o.floppyFiles.length || o.floppyDirs.length || Object.keys(o.floppyContent).length)), {
    message: 'set floppyImgPath or floppyFiles/floppyDirs/floppyContent, not both',
    path: ['floppyImgPath'],
  })
  .refine((o) => o.storage.every((s) => s.diskControllerIndex < Math.max(1, o.diskControllerType.length)), {
    message: 'storage[].diskControllerIndex names a controller diskControllerType does not have',
    path: ['storage'],
  })

export type VsphereIsoInput = z.input<typeof vsphereIsoSchema>
export type VsphereIsoOptions = z.output<typeof vsphereIsoSchema>

/**
 * The vsphere-iso source: creates a VM (CPUs, RAM, disks, NICs, CD-ROMs with the ISOs), makes
 * and uploads the floppy and CD images, serves http_directory, powers the VM on, types the boot
 * command over PutUsbScanCodes, waits for its IP, provisions it over SSH, shuts it down and
 * keeps it (as a template with convertToTemplate), destroying the VM and the uploaded files
 * whatever else happens.
 *
 * ```ts
 * vsphereIso({ vcenterServer: 'vcenter.lan', username: 'administrator@vsphere.local', password,
 *              cluster: 'C0', datastore: 'ds1', vmName: 'centos-7', guestOsType: 'centos7_64Guest',
 *              cpus: 2, ram: 4096, storage: [{ diskSize: 65536, diskThinProvisioned: true }],
 *              networkAdapters: [{ network: 'VM Network', networkCard: 'vmxnet3' }],
 *              isoPaths: ['[ds1] iso/CentOS-7.iso'], floppyDirs: ['kickstart/'],
 *              bootCommand: ['<tab> text ks=hd:fd0:/ks.cfg<enter><wait>'],
 *              sshUsername: 'root', sshPassword, convertToTemplate: true })
 * ```
 */
export function vsphereIso(input: VsphereIsoInput & { name?: string }): SourcePlugin<VsphereIsoOptions, VsphereState> {
  const { name, ...rest } = input
  return cloudSource<VsphereIsoInput, VsphereIsoOptions, VsphereState>({
    type: 'vsphere-iso',
    ...(name ? { name } : {}),
    schema: vsphereIsoSchema,
    input: rest,
    files: ['sshPrivateKeyFile'],
    check: (options, fail) => refuseNotYet(options, fail),
    secrets: (options) => [options.password],
    steps: async (options, ctx) => (await import('./steps.js')).vsphereIsoSteps(options, ctx),
  })
}
