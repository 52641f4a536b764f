import { durationSchema } from '@tsimg/core/plugin'
import { z } from 'zod'

/**
 * One of some strings: checked like z.enum, but a template may pass any string (a Packer JSON
 * variable, which is always a string, in a converted image.ts); the value is checked when the
 * template is validated.
 */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .refine((v) => (values as readonly string[]).includes(v), { message: `expected one of ${values.map((x) => `'${x}'`).join(', ')}` })
    .transform((v) => v as T[number])
}

/**
 * The vSphere options both builders share (Packer's ConnectConfig, LocationConfig,
 * HardwareConfig, ConfigParamsConfig, WaitIpConfig, ShutdownConfig, CreateSnapshot/template,
 * ExportConfig, ContentLibraryDestinationConfig), camelCase, each with its Packer name. The
 * vsphere-clone and vsphere-iso schemas spread these shapes and add their own.
 */

/** Packer's ConnectConfig. */
const connectionShape = {
  /** Packer: `vcenter_server`: host name or address of vCenter, optionally `host:port` (https). */
  vcenterServer: z.string().min(1),
  /** Packer: `username`. */
  username: z.string().min(1),
  /** Packer: `password`. Redacted everywhere, never journaled. */
  password: z.string().min(1),
  /** Packer: `insecure_connection`: do not verify vCenter's TLS certificate. */
  insecureConnection: z.boolean().default(false),
  /** Packer: `datacenter`: needed when vCenter has more than one. */
  datacenter: z.string().min(1).optional(),
}

/** Packer's LocationConfig. */
const locationShape = {
  /** Packer: `vm_name`: the VM (and template) name; Packer's default is `packer-<build name>`. */
  vmName: z.string().min(1).optional(),
  /** Packer: `folder`: VM folder, relative to the datacenter's vm folder. */
  folder: z.string().optional(),
  /** Packer: `cluster`. */
  cluster: z.string().min(1).optional(),
  /** Packer: `host`: an ESXi host (required with no cluster or to pin one). */
  host: z.string().min(1).optional(),
  /** Packer: `resource_pool`: path inside the cluster or host. */
  resourcePool: z.string().optional(),
  /** Packer: `datastore`: required when the host or cluster has more than one. */
  datastore: z.string().min(1).optional(),
  /** Packer: `set_host_for_datastore_uploads`. */
  setHostForDatastoreUploads: z.boolean().default(false),
}

/** Packer's HardwareConfig. */
const hardwareShape = {
  /** Packer: `CPUs`: virtual CPUs. */
  cpus: z.number().int().positive().optional(),
  /** Packer: `cpu_cores`: cores per socket. */
  cpuCores: z.number().int().positive().optional(),
  /** Packer: `CPU_reservation` (MHz). */
  cpuReservation: z.number().int().nonnegative().optional(),
  /** Packer: `CPU_limit` (MHz, -1 for none). */
  cpuLimit: z.number().int().min(-1).optional(),
  /** Packer: `CPU_hot_plug`. */
  cpuHotPlug: z.boolean().optional(),
  /** Packer: `RAM` (MB). */
  ram: z.number().int().positive().optional(),
  /** Packer: `RAM_reservation` (MB). */
  ramReservation: z.number().int().nonnegative().optional(),
  /** Packer: `RAM_reserve_all`. */
  ramReserveAll: z.boolean().optional(),
  /** Packer: `RAM_hot_plug`. */
  ramHotPlug: z.boolean().optional(),
  /** Packer: `video_ram` (KB). */
  videoRam: z.number().int().positive().optional(),
  /** Packer: `NestedHV`. */
  nestedHv: z.boolean().optional(),
  /** Packer: `firmware`. */
  firmware: oneOf(['bios', 'efi', 'efi-secure']).optional(),
  /** Packer: `force_bios_setup`. */
  forceBiosSetup: z.boolean().optional(),
}

/** Packer's ConfigParamsConfig. */
const configParamsShape = {
  /** Packer: `configuration_parameters`: extraConfig keys set on the VM (`.vmx` entries). */
  configurationParameters: z.record(z.string(), z.string()).default({}),
  /** Packer: `tools_sync_time`. */
  toolsSyncTime: z.boolean().optional(),
  /** Packer: `tools_upgrade_policy`: upgrade VMware Tools at power cycle. */
  toolsUpgradePolicy: z.boolean().optional(),
}

/** Packer's WaitIpConfig. */
const waitIpShape = {
  /** Packer: `ip_wait_timeout`: how long to wait for the VM's IP (default 30m). */
  ipWaitTimeout: durationSchema.default('30m'),
  /** Packer: `ip_settle_timeout`: how long the IP must stay the same (default 5s). */
  ipSettleTimeout: durationSchema.default('5s'),
  /** Packer: `ip_wait_address`: a CIDR the IP must be in (default any IPv4, `0.0.0.0/0`). */
  ipWaitAddress: z
    .string()
    .regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'expected a CIDR like 10.0.0.0/8')
    .default('0.0.0.0/0'),
}

/** Packer's ShutdownConfig. */
const shutdownShape = {
  /** Packer: `shutdown_command`: run over SSH; without it the guest is asked through VMware Tools (ShutdownGuest). */
  shutdownCommand: z.string().optional(),
  /** Packer: `shutdown_timeout`: how long to wait for power off (default 5m). */
  shutdownTimeout: durationSchema.default('5m'),
  /** Packer: `disable_shutdown`: the provisioners power the VM off themselves. */
  disableShutdown: z.boolean().default(false),
}

/** Packer's `create_snapshot` and `convert_to_template`. */
const artifactShape = {
  /** Packer: `create_snapshot`: snapshot the VM when done. */
  createSnapshot: z.boolean().default(false),
  /** Packer: `snapshot_name` (Packer 1.7+; tsimg accepts it). */
  snapshotName: z.string().min(1).optional(),
  /** Packer: `convert_to_template`: mark the VM as a template when done. */
  convertToTemplate: z.boolean().default(false),
}

/** Packer's ExportConfig (`export { ... }`): an OVF of the VM written locally. */
const exportShape = {
  /** Packer: `export`. */
  export: z
    .strictObject({
      /** Packer: `name`: file name of the OVF (defaults to the VM name). */
      name: z.string().min(1).optional(),
      /** Packer: `force`: overwrite an existing output. */
      force: z.boolean().default(false),
      /** Packer: `images`: also write the ISO/floppy images. */
      images: z.boolean().default(false),
      /** Packer: `manifest`: `none`, `sha1`, `sha256`, `sha512`. */
      manifest: oneOf(['none', 'sha1', 'sha256', 'sha512']).default('sha256'),
      /** Packer: `options`: `mac`, `uuid`, `extraconfig`, `nodevicesubtypes`. */
      options: z.array(oneOf(['mac', 'uuid', 'extraconfig', 'nodevicesubtypes'])).default([]),
      /** Packer: `output_directory`. */
      outputDirectory: z.string().min(1).optional(),
    })
    .optional(),
}

/** Packer's ContentLibraryDestinationConfig (`content_library_destination { ... }`). */
const contentLibraryShape = {
  /** Packer: `content_library_destination`. */
  contentLibraryDestination: z
    .strictObject({
      /** Packer: `library`. */
      library: z.string().min(1),
      /** Packer: `name`. */
      name: z.string().min(1).optional(),
      /** Packer: `description`. */
      description: z.string().optional(),
      /** Packer: `cluster`. */
      cluster: z.string().optional(),
      /** Packer: `folder`. */
      folder: z.string().optional(),
      /** Packer: `host`. */
      host: z.string().optional(),
      /** Packer: `resource_pool`. */
      resourcePool: z.string().optional(),
      /** Packer: `datastore`. */
      datastore: z.string().optional(),
      /** Packer: `destroy`: remove the VM after the library item is made. */
      destroy: z.boolean().default(false),
      /** Packer: `ovf`: an OVF item instead of a VM template item. */
      ovf: z.boolean().default(false),
    })
    .optional(),
}

/** Everything both builders share, before their own options. */
export const commonShape = {
  ...connectionShape,
  ...locationShape,
  ...hardwareShape,
  ...configParamsShape,
  ...waitIpShape,
  ...shutdownShape,
  ...artifactShape,
  ...exportShape,
  ...contentLibraryShape,
  /** Packer: `notes`: the VM's annotation. */
  notes: z.string().optional(),
  /** Packer: `boot_order`: e.g. `disk,cdrom`. */
  bootOrder: z.string().optional(),
}

/** Packer's `customize { linux_options, network_interface, ... }` (vsphere-clone). */
const customizeSchema = z.strictObject({
  /** Packer: `linux_options`. */
  linuxOptions: z
    .strictObject({
      /** Packer: `domain`. */
      domain: z.string().min(1).optional(),
      /** Packer: `host_name`. */
      hostName: z.string().min(1).optional(),
      /** Packer: `hw_clock_utc`. */
      hwClockUtc: z.boolean().default(true),
      /** Packer: `time_zone`. */
      timeZone: z.string().min(1).optional(),
    })
    .optional(),
  /** Packer: `windows_sysprep_text`. */
  windowsSysprepText: z.string().optional(),
  /** Packer: `network_interface`: one per NIC, in order. */
  networkInterface: z
    .array(
      z.strictObject({
        /** Packer: `dns_server_list`. */
        dnsServerList: z.array(z.string()).default([]),
        /** Packer: `dns_domain`. */
        dnsDomain: z.string().optional(),
        /** Packer: `ipv4_address`: fixed address (DHCP when unset). */
        ipv4Address: z.ipv4().optional(),
        /** Packer: `ipv4_netmask`: prefix length. */
        ipv4Netmask: z.number().int().min(0).max(32).optional(),
        /** Packer: `ipv6_address`. */
        ipv6Address: z.ipv6().optional(),
        /** Packer: `ipv6_netmask`. */
        ipv6Netmask: z.number().int().min(0).max(128).optional(),
      }),
    )
    .default([]),
  /** Packer: `ipv4_gateway`. */
  ipv4Gateway: z.ipv4().optional(),
  /** Packer: `ipv6_gateway`. */
  ipv6Gateway: z.ipv6().optional(),
  /** Packer: `dns_server_list`. */
  dnsServerList: z.array(z.string()).default([]),
  /** Packer: `dns_suffix_list`. */
  dnsSuffixList: z.array(z.string()).default([]),
})
export type Customize = z.output<typeof customizeSchema>

/** Packer's CloneConfig (vsphere-clone's own options). */
const cloneShape = {
  /** Packer: `template`: the VM or template to clone (inventory path, or name relative to the datacenter's vm folder). */
  template: z.string().min(1),
  /** Packer: `disk_size` (MB): grow the first disk to this size. */
  diskSize: z.number().int().positive().optional(),
  /** Packer: `linked_clone`: a delta disk on the source's current snapshot. */
  linkedClone: z.boolean().default(false),
  /** Packer: `network`: put the first NIC on this network. */
  network: z.string().min(1).optional(),
  /** Packer: `mac_address`: a fixed MAC for the first NIC. */
  macAddress: z
    .string()
    .regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'expected a MAC like 00:50:56:00:00:01')
    .optional(),
  /** Packer: `vapp { properties }`. */
  vapp: z.strictObject({ properties: z.record(z.string(), z.string()).default({}) }).optional(),
  /** Packer: `customize`: guest customization (host name, fixed IPs). */
  customize: customizeSchema.optional(),
}

export const vsphereCloneShape = { ...commonShape, ...cloneShape }

/** The options every vSphere step reads (both builders' options extend them). */
export type CommonOptions = z.output<z.ZodObject<typeof commonShape>> & { sshHost?: string; sshPort?: number }
