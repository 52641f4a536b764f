import { createHash } from 'node:crypto'
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { clientOf, type VsphereEnv } from '../env.js'
import type { VsphereState } from '../state.js'
import { vmOf } from '../steps-common.js'
import { list, obj, str } from '../vim/xml.js'
import { downloadFile, parseDsPath } from '../iso/datastore.js'
import { ovfDescriptor, type OvfDisk, type OvfFile, type OvfItem } from './ovf.js'

/**
 * Packer's `export { ... }`: an OVF of the VM in output_directory (default `output-<build name>`):
 * `<name>.ovf`, the disks, and `<name>.mf` (the manifest option's digests).
 *
 * How: vSphere's ExportVm (an NFC lease streaming each disk) is what Packer calls; VMware's
 * simulator does not implement it, so tsimg writes the export itself from what every vCenter
 * serves: the descriptor from the VM's configuration (property collector), and each disk as its
 * datastore file(s) read through the HTTP file interface (`/folder/...`): a text VMDK
 * descriptor with its extents (the `-flat` file), or a sparse VMDK as one file, the OVF naming
 * its VMDK create type. It is not the streamOptimized disk ExportVm gives (smaller, what ovftool
 * writes), and it has not been run against a real vCenter from here.
 */
export function exportStep(env: VsphereEnv): Step<VsphereState> | false {
  const ex = env.options.export
  if (!ex) return false
  let made: string | undefined
  return {
    name: 'vsphere:export',
    async run({ state, signal, ui, build }) {
      const c = clientOf(env)
      const vm = vmOf(state)
      const name = ex.name ?? state.vm!.name
      const out = resolve(build.templateDir, ex.outputDirectory ?? `output-${build.name.split('.').pop()}`)
      if (await exists(out)) {
        if (!ex.force)
          throw new TsimgError('VSPHERE_EXPORT', `output directory ${out} already exists`, {
            hint: 'set export.force: true (Packer: force = true) to replace it, or remove it',
          })
        await rm(out, { recursive: true, force: true })
      }
      await mkdir(out, { recursive: true })
      made = out
      ui.say(`Exporting to ${out}...`)
      const p = await c.get(vm, ['config.name', 'config.guestId', 'config.version', 'config.hardware', 'config.annotation'], signal)
      if (!p) throw new Error(`VM ${state.vm!.name} is gone`)
      const hw = p.object('config.hardware')
      // Inside VirtualHardware the devices are repeated <device> elements.
      const devices = list(hw.device).map(obj)
      const files: OvfFile[] = []
      const disks: OvfDisk[] = []
      const items: OvfItem[] = [
        { kind: 'cpu', count: Number(str(hw.numCPU) ?? 1), coresPerSocket: Number(str(hw.numCoresPerSocket) ?? 1) },
        { kind: 'memory', mb: Number(str(hw.memoryMB) ?? 0) },
      ]
      const networks = new Set<string>()
      const controllerType = (t: string): 'ide' | 'scsi' | 'sata' | 'nvme' | undefined =>
        t === 'VirtualIDEController'
          ? 'ide'
          : /SCSI|LsiLogic|BusLogic/.test(t)
            ? 'scsi'
            : t === 'VirtualAHCIController'
              ? 'sata'
              : t === 'VirtualNVMEController'
                ? 'nvme'
                : undefined
      const subType: Record<string, string> = {
        VirtualLsiLogicController: 'lsilogic',
        VirtualLsiLogicSASController: 'lsilogicsas',
        ParaVirtualSCSIController: 'VirtualSCSI',
        VirtualBusLogicController: 'buslogic',
        VirtualAHCIController: 'vmware.sata.ahci',
      }
      for (const d of devices) {
        const type = String(d.$type ?? '')
        const kind = controllerType(type)
        if (kind)
          items.push({
            kind: 'controller',
            instance: Number(str(d.key)),
            type: kind,
            ...(subType[type] && { subType: subType[type] }),
            bus: Number(str(d.busNumber) ?? 0),
          })
      }
      let diskIndex = 0
      for (const d of devices) {
        const type = String(d.$type ?? '')
        if (type === 'VirtualCdrom') items.push({ kind: 'cdrom', controller: Number(str(d.controllerKey)), unit: Number(str(d.unitNumber) ?? 0) })
        else if (type === 'VirtualFloppy') items.push({ kind: 'floppy' })
        else if (/^Virtual(E1000e?|Vmxnet\d*|PCNet32)$/.test(type)) {
          const backing = obj(d.backing)
          const network = str(backing.deviceName) ?? 'VM Network'
          networks.add(network)
          const mac = ex.options.includes('mac') ? str(d.macAddress) : undefined
          items.push({ kind: 'nic', network, subType: type.replace(/^Virtual/, ''), ...(mac && { mac }) })
        } else if (type === 'VirtualDisk') {
          diskIndex++
          const fileName = str(obj(d.backing).fileName) ?? ''
          const at = parseDsPath(fileName)
          if (!at) throw new Error(`disk ${diskIndex} has no datastore file (${fileName})`)
          ui.message(`Downloading disk ${diskIndex}: ${fileName}`)
          const got = await exportDisk(env, at, `${name}-disk${diskIndex}`, out, signal)
          files.push(...got.files)
          disks.push({
            diskId: `vmdisk${diskIndex}`,
            fileRef: got.files[0]!.id,
            capacityBytes: Number(str(d.capacityInBytes) ?? Number(str(d.capacityInKB) ?? 0) * 1024),
            vmdkType: got.createType,
            controller: Number(str(d.controllerKey)),
            unit: Number(str(d.unitNumber) ?? 0),
          })
        }
      }
      const ovf = ovfDescriptor({
        name,
        guestId: p.string('config.guestId') ?? 'otherGuest',
        hardwareVersion: p.string('config.version') ?? 'vmx-13',
        files,
        disks,
        networks: [...networks],
        items,
        ...(p.string('config.annotation') && { annotation: p.string('config.annotation')! }),
      })
      await writeFile(join(out, `${name}.ovf`), ovf)
      if (ex.manifest !== 'none') {
        const algo = ex.manifest
        const label = algo.toUpperCase()
        const lines: string[] = []
        for (const f of [`${name}.ovf`, ...files.map((x) => x.href)]) {
          const h = createHash(algo)
          h.update(await import('node:fs/promises').then((fs) => fs.readFile(join(out, f))))
          lines.push(`${label}(${f})= ${h.digest('hex')}`)
        }
        await writeFile(join(out, `${name}.mf`), `${lines.join('\n')}\n`)
      }
      made = undefined
      if (state.artifact)
        state.artifact = {
          ...state.artifact,
          files: [join(out, `${name}.ovf`), ...files.map((f) => join(out, f.href)), ...(ex.manifest !== 'none' ? [join(out, `${name}.mf`)] : [])],
        }
      ui.message(`OVF written: ${join(out, `${name}.ovf`)}`)
    },
    async cleanup({ outcome }) {
      // A half-written export goes; a finished one is the artifact's.
      if (made && outcome !== 'success') await rm(made, { recursive: true, force: true })
    },
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}

/**
 * One disk's files: a text descriptor is written with its extents renamed after the export
 * (`<base>.vmdk` + `<base>-flat.vmdk`...); a sparse VMDK (`KDMV`) is one file.
 */
async function exportDisk(
  env: VsphereEnv,
  at: { datastore: string; path: string },
  base: string,
  out: string,
  signal: AbortSignal,
): Promise<{ files: OvfFile[]; createType: string }> {
  const c = clientOf(env)
  const dcPath = env.datacenter!.path
  const head = await downloadFile(c, { datastore: at.datastore, path: at.path, datacenterPath: dcPath }, signal)
  if (head.subarray(0, 4).toString('latin1') === 'KDMV') {
    const createType = sparseCreateType(head) ?? 'monolithicSparse'
    await writeFile(join(out, `${base}.vmdk`), head)
    return { files: [{ id: `file-${base}`, href: `${base}.vmdk`, size: head.length }], createType }
  }
  const text = head.toString('utf8')
  if (!text.startsWith('# Disk DescriptorFile')) throw new Error(`${at.path} is not a VMDK (neither a descriptor nor a sparse disk)`)
  const createType = /createType="([^"]+)"/.exec(text)?.[1] ?? 'monolithicFlat'
  const dir = at.path.includes('/') ? at.path.slice(0, at.path.lastIndexOf('/') + 1) : ''
  const files: OvfFile[] = []
  let n = 0
  const extents: string[] = []
  const rewritten = text.replace(/^(RW|RDONLY|NOACCESS)(\s+\d+\s+\w+\s+)"([^"]+)"/gm, (_m, access: string, mid: string, file: string) => {
    n++
    const local = `${base}-${n === 1 ? 'flat' : `f${n}`}.vmdk`
    extents.push(`${file}\u0000${local}`)
    return `${access}${mid}"${local}"`
  })
  await writeFile(join(out, `${base}.vmdk`), rewritten)
  files.push({ id: `file-${base}`, href: `${base}.vmdk`, size: Buffer.byteLength(rewritten) })
  for (const e of extents) {
    const [remote, local] = e.split('\u0000') as [string, string]
    const data = await downloadFile(c, { datastore: at.datastore, path: `${dir}${remote}`, datacenterPath: dcPath }, signal)
    await writeFile(join(out, local), data)
    files.push({ id: `file-${local.replace(/\.vmdk$/, '')}`, href: local, size: data.length })
  }
  return { files, createType }
}

/** A sparse VMDK's createType, read from its embedded descriptor (header: descriptorOffset/Size in sectors). */
function sparseCreateType(buf: Buffer): string | undefined {
  if (buf.length < 44) return undefined
  const offset = Number(buf.readBigUInt64LE(28)) * 512
  const size = Number(buf.readBigUInt64LE(36)) * 512
  if (!offset || offset + size > buf.length) return undefined
  return /createType="([^"]+)"/.exec(buf.subarray(offset, offset + size).toString('latin1'))?.[1]
}
