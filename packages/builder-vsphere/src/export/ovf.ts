/**
 * The OVF 1.0 descriptor (DMTF DSP0243) of a VM as tsimg exports it: an Envelope with the
 * References (one File per disk file written), the DiskSection (one Disk per virtual disk, its
 * capacity and file), the NetworkSection, and one VirtualSystem with its OperatingSystemSection
 * and VirtualHardwareSection (CPUs, memory, controllers, disks, CD-ROMs, NICs as CIM RASD items).
 */

export interface OvfFile {
  readonly id: string
  readonly href: string
  readonly size: number
}

export interface OvfDisk {
  readonly diskId: string
  readonly fileRef: string
  readonly capacityBytes: number
  /** The VMDK's create type (`streamOptimized`, `monolithicFlat`, `vmfs`...), named in ovf:format. */
  readonly vmdkType: string
  /** Instance id of the controller item it hangs on, and its unit number there. */
  readonly controller: number
  readonly unit: number
}

export type OvfItem =
  | { readonly kind: 'cpu'; readonly count: number; readonly coresPerSocket?: number }
  | { readonly kind: 'memory'; readonly mb: number }
  | { readonly kind: 'controller'; readonly instance: number; readonly type: 'ide' | 'scsi' | 'sata' | 'nvme'; readonly subType?: string; readonly bus: number }
  | { readonly kind: 'cdrom'; readonly controller: number; readonly unit: number }
  | { readonly kind: 'floppy' }
  | { readonly kind: 'nic'; readonly network: string; readonly subType: string; readonly mac?: string }

export interface OvfSpec {
  readonly name: string
  readonly guestId: string
  readonly hardwareVersion: string
  readonly files: readonly OvfFile[]
  readonly disks: readonly OvfDisk[]
  readonly networks: readonly string[]
  readonly items: readonly OvfItem[]
  readonly annotation?: string
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

/** CIM ResourceType values (CIM_ResourceAllocationSettingData). */
const RESOURCE_TYPE = { cpu: 3, memory: 4, ide: 5, scsi: 6, nic: 10, floppy: 14, cdrom: 15, disk: 17, sata: 20, nvme: 20 } as const

/** Renders the descriptor. */
export function ovfDescriptor(spec: OvfSpec): string {
  let instance = 0
  const next = (): number => ++instance
  const items: string[] = []
  const item = (fields: Record<string, string | number | undefined>, extra = ''): void => {
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `        <rasd:${k}>${esc(String(v))}</rasd:${k}>`)
    items.push(`      <Item>\n${parts.join('\n')}${extra}\n      </Item>`)
  }
  // Controllers first: disks and CD-ROMs name them as Parent by their InstanceID.
  const controllerIds = new Map<number, number>()
  for (const it of spec.items) {
    if (it.kind !== 'controller') continue
    const id = next()
    controllerIds.set(it.instance, id)
    item({
      Address: it.bus,
      Description: `${it.type.toUpperCase()} Controller`,
      ElementName: `${it.type}Controller${it.bus}`,
      InstanceID: id,
      ResourceSubType: it.subType,
      ResourceType: RESOURCE_TYPE[it.type],
    })
  }
  for (const it of spec.items) {
    switch (it.kind) {
      case 'cpu':
        item({
          AllocationUnits: 'hertz * 10^6',
          Description: 'Number of Virtual CPUs',
          ElementName: `${it.count} virtual CPU(s)`,
          InstanceID: next(),
          ResourceType: RESOURCE_TYPE.cpu,
          VirtualQuantity: it.count,
        })
        break
      case 'memory':
        item({
          AllocationUnits: 'byte * 2^20',
          Description: 'Memory Size',
          ElementName: `${it.mb}MB of memory`,
          InstanceID: next(),
          ResourceType: RESOURCE_TYPE.memory,
          VirtualQuantity: it.mb,
        })
        break
      case 'cdrom':
        item({
          AddressOnParent: it.unit,
          AutomaticAllocation: 'false',
          ElementName: `CD-ROM ${it.unit}`,
          InstanceID: next(),
          Parent: controllerIds.get(it.controller),
          ResourceType: RESOURCE_TYPE.cdrom,
        })
        break
      case 'floppy':
        item({ AutomaticAllocation: 'false', ElementName: 'Floppy drive', InstanceID: next(), ResourceType: RESOURCE_TYPE.floppy })
        break
      case 'nic':
        item({
          Address: it.mac,
          AutomaticAllocation: 'true',
          Connection: it.network,
          ElementName: `Network adapter on ${it.network}`,
          InstanceID: next(),
          ResourceSubType: it.subType,
          ResourceType: RESOURCE_TYPE.nic,
        })
        break
      default:
        break
    }
  }
  spec.disks.forEach((d, i) => {
    item({
      AddressOnParent: d.unit,
      ElementName: `Hard disk ${i + 1}`,
      HostResource: `ovf:/disk/${d.diskId}`,
      InstanceID: next(),
      Parent: controllerIds.get(d.controller),
      ResourceType: RESOURCE_TYPE.disk,
    })
  })
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
${spec.files.map((f) => `    <File ovf:href="${esc(f.href)}" ovf:id="${esc(f.id)}" ovf:size="${f.size}"/>`).join('\n')}
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
${spec.disks.map((d) => `    <Disk ovf:capacity="${d.capacityBytes}" ovf:capacityAllocationUnits="byte" ovf:diskId="${esc(d.diskId)}" ovf:fileRef="${esc(d.fileRef)}" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#${esc(d.vmdkType)}"/>`).join('\n')}
  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
${spec.networks.map((n) => `    <Network ovf:name="${esc(n)}">\n      <Description>The ${esc(n)} network</Description>\n    </Network>`).join('\n')}
  </NetworkSection>
  <VirtualSystem ovf:id="${esc(spec.name)}">
    <Info>A virtual machine</Info>
    <Name>${esc(spec.name)}</Name>
    <OperatingSystemSection ovf:id="${guestOsCimId(spec.guestId)}" vmw:osType="${esc(spec.guestId)}">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>${esc(spec.name)}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>${esc(spec.hardwareVersion)}</vssd:VirtualSystemType>
      </System>
${items.join('\n')}
    </VirtualHardwareSection>${spec.annotation ? `\n    <AnnotationSection>\n      <Info>A human-readable annotation</Info>\n      <Annotation>${esc(spec.annotation)}</Annotation>\n    </AnnotationSection>` : ''}
  </VirtualSystem>
</Envelope>
`
}

/** CIM_OperatingSystem OsType ids for the common guest ids (36 Linux, 101 Linux 64-bit, 1 other). */
function guestOsCimId(guestId: string): number {
  if (/windows/i.test(guestId)) return /64/.test(guestId) ? 103 : 105
  if (/centos|rhel|ubuntu|debian|sles|photon|linux|oracle|rocky|alma/i.test(guestId)) return /64/.test(guestId) ? 101 : 36
  return /64/.test(guestId) ? 102 : 1
}
