import { sshOptionsSchema, type SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { z } from 'zod'
import { vsphereCloneShape } from './options.js'
import { type VsphereState } from './state.js'
import type { CommonOptions } from './options.js'

/**
 * Options Packer has that tsimg's vSphere builders do not carry out yet: refused before anything
 * is created, each saying what to do instead (never accepted and silently ignored).
 */
export function refuseNotYet(o: CommonOptions & { vapp?: unknown }, fail: (message: string, field: string) => never): void {
  if (o.export?.images)
    fail('export.images (the ISO and floppy images in the export) is not supported yet: leave it out (the OVF holds the VM and its disks)', 'export.images')
  if (o.export?.options.some((x) => x === 'uuid' || x === 'extraconfig'))
    fail('export.options uuid and extraconfig are not supported yet: use mac or nodevicesubtypes, or leave options out', 'export.options')
  if (o.contentLibraryDestination)
    fail('contentLibraryDestination is not supported yet: leave it out and import the template into the library after the build', 'contentLibraryDestination')
  if (o.bootOrder) fail('bootOrder is not supported yet: leave it out (the VM keeps its boot order)', 'bootOrder')
  if (o.videoRam) fail('videoRam is not supported yet: leave it out (the VM keeps its video memory)', 'videoRam')
  if (o.vapp) fail('vapp properties are not supported yet: leave vapp out', 'vapp')
}

/** vsphere-clone options: the vSphere ones plus core's SSH communicator options. */
export const vsphereCloneSchema = z
  .strictObject({ ...sshOptionsSchema.shape, ...vsphereCloneShape })
  .refine((o) => !(o.linkedClone && o.diskSize), {
    message: 'diskSize cannot be set with linkedClone: a linked clone shares its base disk',
    path: ['diskSize'],
  })
  .refine((o) => !(o.customize?.linuxOptions && o.customize.windowsSysprepText), {
    message: 'set only one of customize.linuxOptions and customize.windowsSysprepText',
    path: ['customize'],
  })
  .refine((o) => o.host || o.cluster, { message: 'set cluster or host: where the clone runs', path: ['cluster'] })

/** What a template writes (defaults optional). */
export type VsphereCloneInput = z.input<typeof vsphereCloneSchema>
/** Options after defaults. */
export type VsphereCloneOptions = z.output<typeof vsphereCloneSchema>

/**
 * The vsphere-clone source: clones a VM or template, customizes it (CPUs, RAM, extraConfig,
 * guest customization), powers it on, waits for its IP, provisions it over SSH, shuts it down and
 * keeps it (as a template with convertToTemplate), destroying the clone whatever else happens.
 *
 * ```ts
 * vsphereClone({ vcenterServer: 'vcenter.lan', username: 'administrator@vsphere.local', password,
 *                insecureConnection: true, cluster: 'C0', template: 'base-os', vmName: 'web',
 *                sshUsername: 'root', sshPassword, convertToTemplate: true })
 * ```
 */
export function vsphereClone(input: VsphereCloneInput & { name?: string }): SourcePlugin<VsphereCloneOptions, VsphereState> {
  const { name, ...rest } = input
  return cloudSource<VsphereCloneInput, VsphereCloneOptions, VsphereState>({
    type: 'vsphere-clone',
    ...(name ? { name } : {}),
    schema: vsphereCloneSchema,
    input: rest,
    files: ['sshPrivateKeyFile'],
    check: (options, fail) => refuseNotYet(options, fail),
    secrets: (options) => [options.password],
    // The steps (and the SOAP client behind them) load when a build runs, not when a template is read.
    steps: async (options, ctx) => (await import('./clone/steps.js')).vsphereCloneSteps(options, ctx),
  })
}
