import { durationSchema } from '@tsimg/core/plugin'
import { z } from 'zod'
import { commonShape, oneOf } from '../options.js'
import { validateBootCommand } from './boot-command.js'

/** Packer's `storage { ... }` (one disk). */
const storageSchema = z.strictObject({
  /** Packer: `disk_size` (MB). */
  diskSize: z.number().int().positive(),
  /** Packer: `disk_thin_provisioned`. */
  diskThinProvisioned: z.boolean().default(false),
  /** Packer: `disk_eagerly_scrub`. */
  diskEagerlyScrub: z.boolean().default(false),
  /** Packer: `disk_controller_index`: which of disk_controller_type the disk is on. */
  diskControllerIndex: z.number().int().nonnegative().default(0),
})

/** Packer's `network_adapters { ... }` (one NIC). */
const networkAdapterSchema = z.strictObject({
  /** Packer: `network`: a network or distributed port group (the host's only one when unset). */
  network: z.string().min(1).optional(),
  /** Packer: `network_card`: `e1000`, `e1000e`, `vmxnet3`, `vmxnet2`, `pcnet32`. */
  networkCard: oneOf(['e1000', 'e1000e', 'vmxnet', 'vmxnet2', 'vmxnet3', 'pcnet32']),
  /** Packer: `mac_address`. */
  macAddress: z
    .string()
    .regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'expected a MAC like 00:50:56:00:00:01')
    .optional(),
  /** Packer: `passthrough` (Workstation only). */
  passthrough: z.boolean().optional(),
})

const bootCommandSchema = z.array(z.string()).superRefine((parts, ctx) => {
  // Placeholders are filled at boot; `{{ .HTTPPort }}` stands for digits while checking.
  const joined = parts.join('').replace(/\{\{-?\s*\.(HTTPIP|HTTPPort|Name)\s*-?\}\}/g, '0')
  for (const e of validateBootCommand(joined)) ctx.addIssue({ code: 'custom', message: e.message })
})

/** vsphere-iso's own options (Packer's CreateConfig, CDRomConfig, FloppyConfig, CDConfig, BootConfig, HTTPConfig, ISOConfig). */
const isoShape = {
  /** Packer: `communicator`: `ssh` (default) or `none` (no IP wait, no provisioners). */
  communicator: oneOf(['ssh', 'none']).default('ssh'),
  /** Packer: `guest_os_type`: the guest id, e.g. `centos7_64Guest` (default `otherGuest`). */
  guestOsType: z.string().min(1).default('otherGuest'),
  /** Packer: `vm_version`: the hardware version (`vmx-<n>`). */
  vmVersion: z.number().int().positive().optional(),
  /** Packer: `disk_controller_type`: `lsilogic` (default), `pvscsi`, `lsilogic-sas`, `scsi`, `nvme`. */
  diskControllerType: z.array(oneOf(['lsilogic', 'lsilogic-sas', 'pvscsi', 'scsi', 'nvme'])).default([]),
  /** Packer: `storage`: the disks. */
  storage: z.array(storageSchema).default([]),
  /** Packer: `network_adapters`: the NICs. */
  networkAdapters: z.array(networkAdapterSchema).default([]),
  /** Packer: `cdrom_type`: `ide` (default) or `sata`. */
  cdromType: oneOf(['ide', 'sata']).default('ide'),
  /** Packer: `iso_paths`: ISOs already on a datastore, `[ds] path/file.iso`. */
  isoPaths: z.array(z.string().regex(/^\[[^\]]+\]\s*\S/, 'expected a datastore path like "[datastore1] iso/os.iso"')).default([]),
  /** Packer: `iso_urls` (or `iso_url`): downloaded, checked, uploaded to the datastore; tsimg reads file:// and loopback http(s) only. */
  isoUrls: z.array(z.string().min(1)).default([]),
  /** Packer: `iso_checksum`: `sha256:<hex>` (or md5/sha1/sha512, `file:<url>`, `none`). */
  isoChecksum: z.string().optional(),
  /** Packer: `remove_cdrom`: detach the CD-ROMs when done. */
  removeCdrom: z.boolean().default(false),
  /** Packer: `floppy_img_path`: a floppy image already on a datastore. */
  floppyImgPath: z.string().optional(),
  /** Packer: `floppy_files`: files copied flat to the floppy's root (wildcards in the name). */
  floppyFiles: z.array(z.string().min(1)).default([]),
  /** Packer: `floppy_dirs`: folders copied with their tree (a trailing `/` copies the contents). */
  floppyDirs: z.array(z.string().min(1)).default([]),
  /** Packer: `floppy_content` (Packer 1.7+): path -> file content. */
  floppyContent: z.record(z.string(), z.string()).default({}),
  /** Packer: `floppy_label` (default `packer`). */
  floppyLabel: z.string().min(1).max(11).default('packer'),
  /** Packer: `cd_files`: files and folders on a CD image attached to the VM. */
  cdFiles: z.array(z.string().min(1)).default([]),
  /** Packer: `cd_content` (Packer 1.7+): path -> file content. */
  cdContent: z.record(z.string(), z.string()).default({}),
  /** Packer: `cd_label`. */
  cdLabel: z.string().min(1).max(32).default('packer'),
  /** Packer: `boot_command`: keys typed after boot_wait (`<enter>`, `<wait5>`, `{{ .HTTPIP }}`...). */
  bootCommand: bootCommandSchema.default([]),
  /** Packer: `boot_wait` (default 10s; `0s` types at once). */
  bootWait: durationSchema.default('10s'),
  /** Packer: `boot_keygroup_interval`: pause after each key (default PACKER_KEY_INTERVAL or 100ms). */
  bootKeygroupInterval: durationSchema.optional(),
  /** Packer: `http_ip`: the address `{{ .HTTPIP }}` names. */
  httpIp: z.string().optional(),
  /** Packer: `http_directory`: served over HTTP while the VM boots. */
  httpDirectory: z.string().optional(),
  /** Packer: `http_content` (Packer 1.7+): URL path -> content, served instead of a folder. */
  httpContent: z.record(z.string(), z.string()).optional(),
  /** Packer: `http_port_min` (default 8000). */
  httpPortMin: z.number().int().min(1).max(65535).default(8000),
  /** Packer: `http_port_max` (default 9000). */
  httpPortMax: z.number().int().min(1).max(65535).default(9000),
  /** Packer: `http_bind_address` (default 0.0.0.0). */
  httpBindAddress: z.string().default('0.0.0.0'),
}

export const vsphereIsoShape = { ...commonShape, ...isoShape }
