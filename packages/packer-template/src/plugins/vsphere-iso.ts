import { dropEmpty, sshFields } from './common.js'
import { allUnsupported, field, noted, sameNames, unsupported, type PluginMapping } from './table.js'
import { vsphereCommonFields, vsphereEmptyIsUnset } from './vsphere-common.js'

/** Packer's vsphere-iso builder -> `vsphereIso` from @tsimg/builder-vsphere. */
export const vsphereIsoBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'vsphere-iso',
  module: '@tsimg/builder-vsphere',
  factory: 'vsphereIso',
  // Set by the create step and core's SSH step.
  generated: ['ID', 'Host', 'Port', 'User'],
  // The boot command's {{ .HTTPIP }}, {{ .HTTPPort }} and {{ .Name }} are filled by the builder as it types.
  selfFilled: ['bootCommand'],
  fields: {
    ...sshFields,
    communicator: noted(field('communicator', 'string'), '"ssh" (the default) or "none" (no IP wait, no provisioners), as in Packer'),
    ...vsphereCommonFields,
    ...sameNames({
      guest_os_type: 'string',
      vm_version: 'int',
      disk_controller_type: 'strings',
      cdrom_type: 'string',
      iso_paths: 'strings',
      iso_urls: 'strings',
      iso_checksum: 'string',
      remove_cdrom: 'bool',
      floppy_img_path: 'string',
      floppy_files: 'strings',
      floppy_dirs: 'strings',
      floppy_content: 'map',
      floppy_label: 'string',
      cd_files: 'strings',
      cd_content: 'map',
      cd_label: 'string',
      boot_command: 'strings',
      boot_wait: 'duration',
      boot_keygroup_interval: 'duration',
      http_ip: 'string',
      http_directory: 'string',
      http_content: 'map',
      http_port_min: 'int',
      http_port_max: 'int',
      http_bind_address: 'string',
    }),
    // Packer's single-URL spelling is one more entry of the list.
    iso_url: field('isoUrls', 'strings'),
    storage: field('storage', {
      list: sameNames({ disk_size: 'int', disk_thin_provisioned: 'bool', disk_eagerly_scrub: 'bool', disk_controller_index: 'int' }),
    }),
    network_adapters: field('networkAdapters', { list: sameNames({ network: 'string', network_card: 'string', mac_address: 'string', passthrough: 'bool' }) }),
    iso_checksum_type: unsupported('Packer 1.6 dropped iso_checksum_type: write iso_checksum as "sha256:<hex>"'),
    iso_target_path: unsupported('tsimg keeps no ISO cache: the ISO is read into a temporary file, uploaded and deleted after the build'),
    iso_target_extension: unsupported('tsimg keeps no ISO cache: the ISO is read into a temporary file, uploaded and deleted after the build'),
    usb_controller: unsupported('USB controllers are not supported yet: leave usb_controller out'),
    ...allUnsupported('a newer vSphere plugin option, not supported yet: leave it out', ['reattach_cdroms', 'http_interface', 'http_network_protocol']),
    // Packer 1.6's deprecated single-disk options (before storage { }).
    ...allUnsupported('Packer 1.6 moved the disk options into storage { disk_size, disk_thin_provisioned }: write them there', [
      'disk_size',
      'disk_thin_provisioned',
      'disk_eagerly_scrub',
    ]),
    ...allUnsupported('Packer 1.6 moved the NIC options into network_adapters { network, network_card }: write them there', ['network', 'network_card']),
  },
  // Packer reads an option given as '' (an unset user variable) as unset.
  finish: (options) => {
    const o = dropEmpty(options, [...vsphereEmptyIsUnset, 'httpDirectory', 'httpIp', 'floppyImgPath', 'isoChecksum'])
    if (Array.isArray(o.floppyDirs)) o.floppyDirs = (o.floppyDirs as unknown[]).filter((d) => d !== '')
    if (Array.isArray(o.isoUrls)) o.isoUrls = (o.isoUrls as unknown[]).filter((d) => d !== '')
    return o
  },
}
